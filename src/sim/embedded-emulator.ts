/**
 * The built-in emulator behind `run`/`capacity` without --url. From the bundle it runs in a
 * worker thread (dist/sim-worker.js), never on the harness's event loop: an emulator sharing the
 * loop would delay the very frames the harness stamps. From the TypeScript sources (unit tests)
 * there is no worker bundle, and it runs in-process.
 *
 * A worker that throws or exits after it started is a failure of the run's target: it is kept
 * (COMFYLOAD_ERR_EMULATOR_FAILED), told to `onFailure` listeners (the session stops the run with
 * it, keeping what was measured), and every question to the worker answers with it instead of
 * waiting for a reply that will never come.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ComfyloadError, describeThrown } from '../comfy/errors.js';
import type { ServiceTruth } from './ground-truth.js';
import { startSim, type SimHandle, type SimOptions } from './index.js';

export type { ServiceTruth } from './ground-truth.js';

export interface EmbeddedEmulator {
  url: string;
  /** Where it runs: a worker thread, or this thread (from the TypeScript sources). */
  isolation: 'worker' | 'in-process';
  /** The emulator's true service rate so far (prompts per second of busy GPU), from its ground truth; rejects once the emulator failed. */
  serviceRatePerSec(): Promise<number | undefined>;
  /** Calls `listener` once if the emulator fails after it started (at once if it already did). */
  onFailure(listener: (err: ComfyloadError) => void): void;
  close(): Promise<void>;
}

export interface EmbeddedEmulatorSeams {
  /** The worker script (tests pass one that fails on purpose). @default dist/sim-worker.js beside this module */
  workerFile?: string;
  /** How long a question to the worker may go unanswered. @default 10000 */
  answerTimeoutMs?: number;
}

type WorkerMessage = { type: string; url?: string; message?: string; busy?: ServiceTruth };

export async function startEmbeddedEmulator(options: Partial<SimOptions>, seams: EmbeddedEmulatorSeams = {}): Promise<EmbeddedEmulator> {
  const workerFile = seams.workerFile ?? fileURLToPath(new URL('./sim-worker.js', import.meta.url));
  if (!existsSync(workerFile)) return inProcess(await startSim(options));
  const worker = new Worker(workerFile, { workerData: options });
  const started = await new Promise<{ url: string }>((resolve, reject) => {
    const onMessage = (msg: WorkerMessage): void => {
      if (msg.type === 'started' && msg.url !== undefined) resolve({ url: msg.url });
      if (msg.type === 'error') reject(new Error(`the built-in emulator did not start: ${msg.message ?? 'unknown error'}`));
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the built-in emulator did not start: its worker exited with code ${code}`)));
  });
  worker.removeAllListeners('error');
  worker.removeAllListeners('exit');
  return new WorkerEmulator(worker, started.url, seams.answerTimeoutMs ?? 10_000);
}

/** The emulator in its worker thread, watched for failure once started. */
class WorkerEmulator implements EmbeddedEmulator {
  readonly url: string;
  readonly isolation = 'worker' as const;
  readonly #worker: Worker;
  readonly #answerTimeoutMs: number;
  readonly #listeners: ((err: ComfyloadError) => void)[] = [];
  #failure: ComfyloadError | undefined;
  #closing = false;

  constructor(worker: Worker, url: string, answerTimeoutMs: number) {
    this.#worker = worker;
    this.url = url;
    this.#answerTimeoutMs = answerTimeoutMs;
    worker.on('error', this.#workerOnError);
    worker.on('exit', this.#workerOnExit);
  }

  onFailure(listener: (err: ComfyloadError) => void): void {
    if (this.#failure !== undefined) listener(this.#failure);
    else this.#listeners.push(listener);
  }

  serviceRatePerSec(): Promise<number | undefined> {
    return this.#ask('truth', 'truth').then((msg) => rateOf(msg.busy));
  }

  async close(): Promise<void> {
    this.#closing = true;
    if (this.#failure === undefined) {
      // A worker that does not answer within 5 s is ended: closing must never hang a finished run.
      const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
      await Promise.race([this.#ask('close', 'closed', Math.min(5000, this.#answerTimeoutMs)).catch(() => undefined), exited]);
    }
    await this.#worker.terminate();
  }

  /** Sends `{type}` and waits for a reply of type `reply`, the failure of the worker, or the timeout. */
  #ask(type: string, reply: string, timeoutMs = this.#answerTimeoutMs): Promise<WorkerMessage> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#worker.off('message', onMessage);
        const i = this.#listeners.indexOf(onFail);
        if (i >= 0) this.#listeners.splice(i, 1);
      };
      const onMessage = (msg: WorkerMessage): void => {
        if (msg.type !== reply) return;
        done();
        resolve(msg);
      };
      const onFail = (err: ComfyloadError): void => {
        done();
        reject(err);
      };
      const timer = setTimeout(() => {
        done();
        reject(emulatorError(`the built-in emulator did not answer "${type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#worker.on('message', onMessage);
      this.#listeners.push(onFail);
      this.#worker.postMessage({ type });
    });
  }

  #workerOnError = (err: unknown): void => {
    this.#fail(emulatorError(`the built-in emulator failed: ${describeThrown(err)}`, err));
  };

  #workerOnExit = (code: number): void => {
    if (!this.#closing) this.#fail(emulatorError(`the built-in emulator stopped: its worker thread exited with code ${code}`));
  };

  #fail(err: ComfyloadError): void {
    if (this.#failure !== undefined) return;
    this.#failure = err;
    for (const listener of this.#listeners.splice(0)) listener(err);
  }
}

function emulatorError(message: string, cause?: unknown): ComfyloadError {
  return new ComfyloadError('COMFYLOAD_ERR_EMULATOR_FAILED', message, cause === undefined ? {} : { cause });
}

function inProcess(sim: SimHandle): EmbeddedEmulator {
  return {
    url: sim.url,
    isolation: 'in-process',
    serviceRatePerSec: async () => rateOf(sim.groundTruth.service),
    // In this thread a failure of the emulator is an exception of the process itself: nothing to relay.
    onFailure: () => undefined,
    close: () => sim.close(),
  };
}

function rateOf(busy: ServiceTruth | undefined): number | undefined {
  return busy !== undefined && busy.busyMs > 0 ? (busy.prompts * 1000) / busy.busyMs : undefined;
}
