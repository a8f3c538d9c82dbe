/**
 * Worker-thread entry of the embedded emulator (bundled to dist/sim-worker.js). The emulator runs
 * here, on an event loop of its own, so its work (validation, PNG encoding, ws fan-out) never
 * delays the harness's receipt of its frames. Messages: in `{type:'close'}` and
 * `{type:'truth'}`; out `{type:'started', url, port}`, `{type:'truth', busy}`, `{type:'closed'}`,
 * `{type:'error', message}`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startSim, type SimOptions } from './index.js';

const port = parentPort;
if (port === null) throw new Error('sim-worker.js runs only as a worker thread');

try {
  const sim = await startSim(workerData as Partial<SimOptions>);
  port.on('message', (msg: { type: string }) => {
    if (msg.type === 'truth') port.postMessage({ type: 'truth', busy: sim.groundTruth.service });
    if (msg.type === 'close') {
      void sim.close().then(() => {
        port.postMessage({ type: 'closed' });
        port.close();
      });
    }
  });
  port.postMessage({ type: 'started', url: sim.url, port: sim.port });
} catch (err) {
  port.postMessage({ type: 'error', message: (err as Error).message });
}
