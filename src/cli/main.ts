/**
 * Process entry of the comfyload CLI (bundled to dist/cli.js): binds `main` to the real process —
 * argv, streams, environment, signals — and sets the exit code.
 */
import { main } from './cli.js';
import type { CliIO } from './io.js';

/** A reader that went away (`comfyload run --json | head`) is not an error worth a stack trace. */
function streamOnError(err: NodeJS.ErrnoException): void {
  if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
  throw err;
}

process.stdout.on('error', streamOnError);
process.stderr.on('error', streamOnError);

let signalHandler: ((signal: NodeJS.Signals) => void) | undefined;
let signalled = false;

/**
 * First SIGINT/SIGTERM: hand it to the running command to stop cleanly (results are kept).
 * Second one, or none registered: exit at once with 130.
 */
function processOnSignal(signal: NodeJS.Signals): void {
  if (signalHandler === undefined || signalled) {
    process.stderr.write(
      signalled
        ? `\ncomfyload: ${signal} again — stopped without cleanup: the results folder keeps requests.csv, histograms.hlog and a summary.json marked partial with the levels finished so far (\`comfyload report <dir>\` renders it)\n`
        : `\ncomfyload: ${signal} — stopped\n`,
    );
    process.exit(130);
  }
  signalled = true;
  signalHandler(signal);
}

/**
 * COMFYLOAD_RSS_EVERY_MS=N: a `comfyload-rss: <uptime ms> <rss bytes> <heap used bytes>` line on
 * stderr every N ms and at exit — how the soak test watches the harness's own memory.
 */
function startRssTrace(env: NodeJS.ProcessEnv): void {
  const everyMs = Number(env.COMFYLOAD_RSS_EVERY_MS);
  if (!Number.isFinite(everyMs) || everyMs <= 0) return;
  const line = (): void => {
    const m = process.memoryUsage();
    process.stderr.write(`comfyload-rss: ${Math.round(process.uptime() * 1000)} ${m.rss} ${m.heapUsed}\n`);
  };
  line();
  setInterval(line, everyMs).unref();
  process.once('exit', line);
}

startRssTrace(process.env);

process.on('SIGINT', processOnSignal);
process.on('SIGTERM', processOnSignal);

const io: CliIO = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  onSignal: (handler) => {
    signalHandler = handler;
  },
};

process.exitCode = await main(process.argv.slice(2), io);
