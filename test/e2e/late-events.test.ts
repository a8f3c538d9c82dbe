/**
 * A prompt the harness gave up on (past --prompt-timeout) keeps sending progress until the
 * cancellation lands: those events come once each, after the give-up — late events, not
 * duplicates. The emulator runs 1000 steps of 2 ms; the timeout is 0.5 s.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../src/sim/index.js';
import { expectAccounted, runAndRead, tempDir, type FaultRun } from './fault-run.js';

describe('events after the harness gave up on a prompt', () => {
  let dir: string;
  let sim: SimHandle;
  let r: FaultRun;

  beforeAll(async () => {
    dir = tempDir('comfyload-late-events-');
    const workflow = join(dir, 'long.json');
    writeFileSync(
      workflow,
      JSON.stringify({
        '1': { class_type: 'BenchFakeSampler', inputs: { steps: 1000, step_ms: 20, seed: 1, vram_mb: 1, size: 8 } },
        '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
      }),
    );
    sim = await startSim({ timeScale: 0.1 });
    r = await runAndRead(
      ['run', '--url', sim.url, '--workflow', workflow, '--concurrency', '1', '--prompts', '1', '--warmup', '0', '--prompt-timeout', '500ms'],
      `${dir}/results`,
    );
  }, 60_000);

  afterAll(async () => {
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ends the prompt as timeout, once, and flags what came after as lateEvents, not duplicateEvents', () => {
    expectAccounted(r, 1);
    const row = r.run.requests.rows[0]!;
    expect(row.outcome).toBe('timeout');
    // The emulator really went on stepping after the give-up and until the interrupt.
    const truth = sim.groundTruth.prompts.get(row.promptId!)!;
    expect(truth.outcome).toBe('interrupted');
    expect(row.flags!.split(';')).toContain('lateEvents');
    expect(row.flags!.split(';')).not.toContain('duplicateEvents');
  });
});
