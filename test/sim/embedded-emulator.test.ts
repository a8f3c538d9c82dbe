/**
 * Regression (issue 11): an error of the emulator's worker thread after start-up vanished (the
 * start-up `once('error')` had already been used), and `serviceRatePerSec` waited for an answer
 * that would never come. Now the failure is kept, told to listeners, and answered to questions.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ComfyloadError } from '../../src/comfy/errors.js';
import { startEmbeddedEmulator } from '../../src/sim/embedded-emulator.js';

const workerFile = fileURLToPath(new URL('./fixtures/failing-worker.mjs', import.meta.url));

describe('the embedded emulator when its worker fails after start-up', () => {
  it('tells onFailure listeners with COMFYLOAD_ERR_EMULATOR_FAILED and the worker message', async () => {
    const emu = await startEmbeddedEmulator({ failAfterMs: 20 } as never, { workerFile });
    const failure = await new Promise<ComfyloadError>((resolve) => emu.onFailure(resolve));
    expect(failure.code).toBe('COMFYLOAD_ERR_EMULATOR_FAILED');
    expect(failure.message).toContain('emulator bug: cannot read properties of undefined');
    expect(failure.hint).toMatch(/--url/);
    // A listener added after the failure hears it at once.
    let late: ComfyloadError | undefined;
    emu.onFailure((err) => (late = err));
    expect(late).toBe(failure);
    await emu.close();
  });

  it('rejects serviceRatePerSec asked before and after the failure instead of waiting forever', async () => {
    const emu = await startEmbeddedEmulator({ failAfterMs: 50 } as never, { workerFile });
    const before = emu.serviceRatePerSec();
    await expect(before).rejects.toMatchObject({ code: 'COMFYLOAD_ERR_EMULATOR_FAILED' });
    await expect(emu.serviceRatePerSec()).rejects.toMatchObject({ code: 'COMFYLOAD_ERR_EMULATOR_FAILED' });
    await emu.close();
  });

  it('counts an exit of the worker as a failure too, and a question left unanswered times out', async () => {
    const exiting = await startEmbeddedEmulator({ exit: true } as never, { workerFile });
    const failure = await new Promise<ComfyloadError>((resolve) => exiting.onFailure(resolve));
    expect(failure.message).toMatch(/exited with code 7/);
    await exiting.close();
    const silent = await startEmbeddedEmulator({ failAfterMs: 60_000 } as never, { workerFile, answerTimeoutMs: 50 });
    await expect(silent.serviceRatePerSec()).rejects.toThrow(/did not answer "truth" within 50 ms/);
    await silent.close();
  });
});
