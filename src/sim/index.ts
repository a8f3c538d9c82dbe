/**
 * The ComfyUI emulator's public entry: `startSim` starts an HTTP + WebSocket server that speaks
 * ComfyUI 0.3.64's protocol (or a mid-2024 one) over a simulated GPU, and returns a handle with
 * its URL, its ground truth and `close()`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpRouter } from './http-router.js';
import { HttpFail } from './http-util.js';
import { addFileRoutes } from './routes-files.js';
import { addInfoRoutes } from './routes-info.js';
import { addJobRoutes } from './routes-jobs.js';
import { addPromptRoutes } from './routes-prompt.js';
import { SimCore } from './sim-core.js';
import type { GroundTruth } from './ground-truth.js';
import { resolveSimOptions } from './sim-options.js';
import type { SimOptions } from './sim-options.js';
import { SimWsServer } from './ws-server.js';

export { SIM_DEFAULTS, resolveSimOptions, simArgv } from './sim-options.js';
export type { SimOptions, SimProtocol, PreviewMethod, SimCacheMode } from './sim-options.js';
export type { FaultSpec, FaultName } from './faults.js';
export type { GroundTruth, PromptTruth, NodeTruth, StepTruth, VramSample, ComponentMs } from './ground-truth.js';
export { ManualClock, RealClock } from './clock.js';
export type { SimClock } from './clock.js';
export { gpuProfileIds } from './profiles.js';

export interface SimHandle {
  /** `http://host:port` (no trailing slash). */
  url: string;
  port: number;
  /** Stops the worker, closes sockets and the server, removes an emulator-made data folder. */
  close(): Promise<void>;
  /** Emulator-side truth for every prompt (see ground-truth.ts for the exact meaning of each time). */
  groundTruth: GroundTruth;
  /** Internals for tests (queue, history, GPU, sockets); not a stable API. */
  state?: SimCore;
}

/** `slow-http` delays (scaled like every simulated time), `http-500` fails the request, `http-404` hides the route. */
async function httpFaults(core: SimCore, path: string): Promise<void> {
  for (const f of core.faults.at('http-request', path)) {
    if (f.name === 'slow-http') await core.clock.sleep((f.ms ?? 1000) * core.opts.timeScale);
    if (f.name === 'http-500') throw new HttpFail(500, 'injected fault http-500');
    if (f.name === 'http-404') throw new HttpFail(404, '404: Not Found');
  }
}

/** The same port again after a restart's downtime; retried briefly should the port still be held. */
function listenAgain(server: Server, port: number, host: string, attempt = 0): void {
  const onError = (): void => {
    if (attempt < 20) setTimeout(() => listenAgain(server, port, host, attempt + 1), 50);
  };
  server.once('error', onError);
  server.listen(port, host, () => server.off('error', onError));
}

export async function startSim(opts: Partial<SimOptions> = {}): Promise<SimHandle> {
  const resolved = resolveSimOptions(opts);
  const core = new SimCore(resolved);
  const router = new HttpRouter({
    maxBodyBytes: Math.round(resolved.maxUploadSizeMb * 1024 * 1024),
    cors: resolved.enableCorsHeader,
    beforeHandle: (path) => httpFaults(core, path),
  });
  addPromptRoutes(router, core);
  addInfoRoutes(router, core);
  addFileRoutes(router, core);
  if (!core.legacy) addJobRoutes(router, core);
  const ws = new SimWsServer(core, router);
  const server = createServer((req, res) => void router.handle(req, res));
  server.on('upgrade', (req, socket, head) => ws.handleUpgrade(req, socket, head));
  server.keepAliveTimeout = 75_000; // aiohttp's keepalive_timeout
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, resolved.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  core.port = port;
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
  let closed: Promise<void> | undefined;
  let downTimer: NodeJS.Timeout | undefined;
  core.listener = {
    goDown(downMs: number): void {
      if (closed !== undefined || downTimer !== undefined) return;
      server.close();
      server.closeAllConnections();
      downTimer = setTimeout(() => {
        downTimer = undefined;
        if (closed === undefined) listenAgain(server, port, resolved.host);
      }, downMs);
    },
  };
  return {
    url: `http://${host}:${port}`,
    port,
    groundTruth: core.truth,
    state: core,
    close(): Promise<void> {
      closed ??= (async () => {
        clearTimeout(downTimer);
        core.worker.stop();
        core.clock.release?.(); // a model load in progress must not hold the close for seconds
        ws.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await core.worker.whenIdle().catch(() => undefined);
        core.files.dispose();
      })();
      return closed;
    },
  };
}
