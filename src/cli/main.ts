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
    process.stderr.write(`\ncomfyload: ${signal} — stopped${signalled ? ' without cleanup' : ''}\n`);
    process.exit(130);
  }
  signalled = true;
  signalHandler(signal);
}

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
