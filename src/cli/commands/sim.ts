/**
 * `comfyload sim`: the ComfyUI emulator as a standalone server, up until SIGINT/SIGTERM, then
 * closed cleanly (exit 0).
 */
import { SIM_DEFAULTS, startSim } from '../../sim/index.js';
import { ComfyloadError } from '../../comfy/errors.js';
import type { CliIO } from '../io.js';
import type { SimStartOptions } from '../options-sim.js';

export async function simCommand(options: SimStartOptions, io: CliIO): Promise<number> {
  let sim: Awaited<ReturnType<typeof startSim>>;
  try {
    sim = await startSim(options);
  } catch (err) {
    throw startError(err, options);
  }
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    if (io.onSignal === undefined) throw new Error('simCommand needs io.onSignal to know when to stop');
    io.onSignal(resolve);
  });
  const upgrade = `${options.slowdown !== undefined && options.slowdown !== 1 ? `, slowdown ${options.slowdown}` : ''}${options.comfyuiVersion !== undefined && options.comfyuiVersion !== SIM_DEFAULTS.comfyuiVersion ? `, ComfyUI ${options.comfyuiVersion}` : ''}`;
  io.stderr.write(`comfyload sim: ComfyUI emulator (gpu ${options.gpu}, time-scale ${options.timeScale}${upgrade}) listening on ${sim.url}\n`);
  const signal = await stopped;
  io.stderr.write(`comfyload sim: ${signal}, closing\n`);
  await sim.close();
  return 0;
}

/** Listening failures are the user's to fix (port taken, address not on this machine); anything else is ours. */
function startError(err: unknown, options: SimStartOptions): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', `Port ${options.port} on ${options.host} is already in use`, {
      hint: `stop what listens there (a ComfyUI?), or pick another port, e.g. --port ${options.port + 1} (--port 0 picks a free one).`,
      cause: err,
    });
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES') {
    return new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', `Cannot listen on ${options.host}:${options.port} (${code})`, {
      hint: code === 'EACCES' ? 'use a port above 1023, e.g. --port 8188.' : 'use an address of this machine, e.g. --host 127.0.0.1.',
      cause: err,
    });
  }
  if (err instanceof TypeError && err.message.startsWith('Expected `')) {
    return new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', `The emulator refused its options: ${err.message}`, {
      hint: 'see `comfyload sim --help`.',
      cause: err,
    });
  }
  return err;
}
