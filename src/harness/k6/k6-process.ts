/**
 * Runs k6 on a bundled scenario and hands its `--out json` lines over in order, while k6 runs.
 * k6 writes the NDJSON to a file in the run's k6/ folder (flushed every 200 ms by k6), which is
 * read as it grows: the raw output stays with the results (a run cut short keeps it), and nothing
 * depends on pipes a platform may lack. k6's own log lines (stderr) go to `onLog`; its end summary
 * (stdout) is kept for the error message only. Aborting sends k6 SIGINT: it stops the scenarios,
 * runs teardown (which takes our prompts off the server) and handleSummary, then exits.
 */
import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { K6Binary } from './k6-binary.js';

export interface K6ProcessOptions {
  binary: K6Binary;
  /** The bundled scenario (dist/scenarios/…/closed-loop.js). */
  script: string;
  /** Where k6 writes its NDJSON. */
  outPath: string;
  /** Environment of k6: the caller's, plus COMFYLOAD_PLAN / COMFYLOAD_HEADERS / COMFYLOAD_K6_SUMMARY. */
  env: NodeJS.ProcessEnv;
  executionSegment?: string;
  /** Each complete NDJSON line, in file order; awaited before the next. */
  onLine: (line: string) => Promise<void>;
  /** Each line k6 writes to stderr. */
  onLog: (line: string) => void;
  signal: AbortSignal;
  /** How often the growing file is read, ms. @default 200 */
  pollMs?: number;
}

export interface K6ProcessResult {
  /** k6's exit code (0 ok, 99 thresholds failed, 105 stopped…), null when killed by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The tail of k6's stdout (its end summary). */
  stdoutTail: string;
}

const STDOUT_TAIL = 4096;

/** Reads a growing file line by line. */
class LineTail {
  readonly #path: string;
  readonly #onLine: (line: string) => Promise<void>;
  #handle: FileHandle | undefined;
  #position = 0;
  #partial = '';
  readonly #buffer = Buffer.alloc(1 << 16);

  constructor(path: string, onLine: (line: string) => Promise<void>) {
    this.#path = path;
    this.#onLine = onLine;
  }

  /** Reads what was appended since the last call; returns the bytes read. */
  async poll(): Promise<number> {
    if (this.#handle === undefined) {
      try {
        this.#handle = await open(this.#path, 'r');
      } catch {
        return 0; // k6 has not created it yet
      }
    }
    let total = 0;
    for (;;) {
      const { bytesRead } = await this.#handle.read(this.#buffer, 0, this.#buffer.length, this.#position);
      if (bytesRead === 0) return total;
      this.#position += bytesRead;
      total += bytesRead;
      const text = this.#partial + this.#buffer.toString('utf8', 0, bytesRead);
      const lines = text.split('\n');
      this.#partial = lines.pop() ?? '';
      for (const line of lines) await this.#onLine(line);
    }
  }

  /** The last line, if k6 ended without a newline; closes the file. */
  async close(): Promise<void> {
    await this.poll();
    if (this.#partial.trim() !== '') await this.#onLine(this.#partial);
    this.#partial = '';
    await this.#handle?.close();
  }
}

export async function runK6Process(o: K6ProcessOptions): Promise<K6ProcessResult> {
  const args = ['run', '--quiet', '--no-usage-report', '--address', '127.0.0.1:0', '--out', `json=${o.outPath}`];
  if (o.executionSegment !== undefined) args.push('--execution-segment', o.executionSegment);
  args.push(o.script);
  const child = spawn(o.binary.path, args, { env: { ...o.env, K6_NO_USAGE_REPORT: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdoutTail = '';
  child.stdout.on('data', (chunk: Buffer) => (stdoutTail = (stdoutTail + chunk.toString('utf8')).slice(-STDOUT_TAIL)));
  let errPartial = '';
  child.stderr.on('data', (chunk: Buffer) => {
    const lines = (errPartial + chunk.toString('utf8')).split('\n');
    errPartial = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') o.onLog(line);
  });
  const onAbort = (): void => void child.kill('SIGINT');
  o.signal.addEventListener('abort', onAbort, { once: true });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  let done = false;
  void exited.then(
    () => (done = true),
    () => (done = true),
  );
  const tail = new LineTail(o.outPath, o.onLine);
  const pollMs = o.pollMs ?? 200;
  try {
    while (!done) {
      await tail.poll();
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    const { code, signal } = await exited;
    await tail.close();
    if (errPartial.trim() !== '') o.onLog(errPartial);
    return { exitCode: code, signal, stdoutTail };
  } finally {
    o.signal.removeEventListener('abort', onAbort);
    if (!done) child.kill('SIGKILL');
  }
}
