/**
 * The built-in emulator behind `run`/`capacity` without --url. From the bundle it runs in a
 * worker thread (dist/sim-worker.js), never on the harness's event loop: an emulator sharing the
 * loop would delay the very frames the harness stamps. From the TypeScript sources (unit tests)
 * there is no worker bundle, and it runs in-process.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { startSim, type PromptTruth, type SimHandle, type SimOptions } from './index.js';

/** Σ (completion − execution start) and count of the prompts that succeeded: the service rate's inputs. */
export interface ServiceTruth {
  busyMs: number;
  prompts: number;
}

export function serviceTruth(prompts: Iterable<PromptTruth>): ServiceTruth {
  let busyMs = 0;
  let n = 0;
  for (const t of prompts) {
    if (t.outcome !== 'success' || t.completedMs === undefined || t.executionStartMs === undefined) continue;
    busyMs += t.completedMs - t.executionStartMs;
    n++;
  }
  return { busyMs, prompts: n };
}

export interface EmbeddedEmulator {
  url: string;
  /** Where it runs: a worker thread, or this thread (from the TypeScript sources). */
  isolation: 'worker' | 'in-process';
  /** The emulator's true service rate so far (prompts per second of busy GPU), from its ground truth. */
  serviceRatePerSec(): Promise<number | undefined>;
  close(): Promise<void>;
}

export async function startEmbeddedEmulator(options: Partial<SimOptions>): Promise<EmbeddedEmulator> {
  const workerFile = fileURLToPath(new URL('./sim-worker.js', import.meta.url));
  if (!existsSync(workerFile)) return inProcess(await startSim(options));
  const worker = new Worker(workerFile, { workerData: options });
  const started = await new Promise<{ url: string }>((resolve, reject) => {
    const onMessage = (msg: { type: string; url?: string; message?: string }): void => {
      if (msg.type === 'started' && msg.url !== undefined) resolve({ url: msg.url });
      if (msg.type === 'error') reject(new Error(`the built-in emulator did not start: ${msg.message ?? 'unknown error'}`));
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
  return {
    url: started.url,
    isolation: 'worker',
    serviceRatePerSec: () =>
      new Promise((resolve) => {
        const onTruth = (msg: { type: string; busy?: ServiceTruth }): void => {
          if (msg.type !== 'truth') return;
          worker.off('message', onTruth);
          resolve(rateOf(msg.busy));
        };
        worker.on('message', onTruth);
        worker.postMessage({ type: 'truth' });
      }),
    close: async () => {
      const closed = new Promise<void>((resolve) => {
        worker.on('message', (msg: { type: string }) => msg.type === 'closed' && resolve());
        worker.once('exit', () => resolve());
      });
      worker.postMessage({ type: 'close' });
      // A worker that does not answer within 5 s is ended: closing must never hang a finished run.
      const timer = setTimeout(() => void worker.terminate(), 5000);
      await closed;
      clearTimeout(timer);
      await worker.terminate();
    },
  };
}

function inProcess(sim: SimHandle): EmbeddedEmulator {
  return {
    url: sim.url,
    isolation: 'in-process',
    serviceRatePerSec: async () => rateOf(serviceTruth(sim.groundTruth.prompts.values())),
    close: () => sim.close(),
  };
}

function rateOf(busy: ServiceTruth | undefined): number | undefined {
  return busy !== undefined && busy.busyMs > 0 ? (busy.prompts * 1000) / busy.busyMs : undefined;
}
