/**
 * Regression (issue 11): a write that failed mid-run (a full disk) surfaced as a raw ENOSPC from
 * deep in a reporter. The file sink names the file and the fix with COMFYLOAD_ERR_RESULTS_WRITE.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FileSink } from '../../src/session/file-sink.js';

describe.skipIf(!existsSync('/dev/full'))('FileSink on a full disk (/dev/full)', () => {
  it('throws COMFYLOAD_ERR_RESULTS_WRITE with the path, the system error and the fix', () => {
    const sink = new FileSink('/dev/full');
    let error: unknown;
    try {
      sink.write('promptId,outcome\n');
    } catch (err) {
      error = err;
    }
    sink.close();
    expect(error).toMatchObject({ code: 'COMFYLOAD_ERR_RESULTS_WRITE', message: expect.stringMatching(/^cannot write \/dev\/full: ENOSPC/) });
    expect((error as { hint: string }).hint).toMatch(/free space/);
  });
});
