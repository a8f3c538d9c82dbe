/**
 * What the faults of the socket and worker points do (the HTTP ones act in `startSim`, the node
 * ones in the executor): ws-drop, ws-mute and malformed before a frame goes out, restart after a prompt.
 * Installed only when a fault of that point is configured, so a faultless emulator runs exactly
 * the faithful code.
 */
import type { WebSocket } from 'ws';
import type { FaultPlan } from './faults.js';
import type { SimCore } from './sim-core.js';

/** Broken frames sent by `malformed`, in turn: cut JSON, JSON that is not a message, an unknown binary type. */
const MALFORMED_TEXT = ['{"type": "progress", "data": {"value": 3, "max": 20, "prom', '[1, 2, 3]', '{"type": 17, "data": null}', 'NaN garbage \u0000'];

export function installWsFaults(core: SimCore): void {
  const plan: FaultPlan = core.faults;
  if (!plan.has('ws-send')) return;
  let turn = 0;
  core.hub.beforeSend = (ws: WebSocket): boolean => {
    if (core.hub.muted.has(ws)) return false;
    for (const f of plan.at('ws-send', '', ws)) {
      if (f.name === 'ws-mute') {
        // Half-open: the socket stays up, but nothing will come through it again (ws-server.ts leaves its pings unanswered).
        core.hub.muted.add(ws);
        return false;
      }
      if (f.name === 'ws-drop') {
        // An abrupt loss (process killed, proxy reset): no close frame, the client sees 1006.
        ws.terminate();
        return false;
      }
      if (f.name === 'malformed') {
        const k = turn++ % (MALFORMED_TEXT.length + 1);
        const text = MALFORMED_TEXT[k];
        if (text !== undefined) ws.send(text);
        else ws.send(Buffer.from([0, 0, 0, 99, 1, 2, 3, 4]), { binary: true });
      }
    }
    return true;
  };
}

/** After each finished prompt: a `restart` fault restarts the emulated server, down for its `down` ms (scaled). */
export function restartFaultAfterPrompt(core: SimCore): void {
  const restart = core.faults.at('prompt-done', '').find((f) => f.name === 'restart');
  if (restart !== undefined) core.restart((restart.downMs ?? 0) * core.opts.timeScale);
}
