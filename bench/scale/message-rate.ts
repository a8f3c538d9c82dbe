/**
 * The message rate one harness process sustains: sockets of the harness's own WsSession →
 * SessionRouter → PromptTracker path read frames from bench/scale/replay-server.mjs (a process of
 * its own) at a rate asked for; per rate, the loop delay (monitorEventLoopDelay, 1 ms resolution,
 * less that resolution as in src/session/harness-lag.ts) and the CPU of this process per message.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PromptTracker } from '../../src/comfy/prompt-tracker.js';
import { SessionRouter } from '../../src/comfy/session-router.js';
import { systemClock } from '../../src/harness/clock.js';
import { WsSession } from '../../src/harness/ws-session.js';

export interface RateRow {
  sockets: number;
  askedPerSec: number;
  gotPerSec: number;
  cpuUsPerMsg: number;
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  prompts: number;
}

export async function startReplay(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [join('bench/scale/replay-server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (c: Buffer) => {
      text += c.toString();
      const m = /listening on (ws:\/\/\S+)/.exec(text);
      if (m) resolve(m[1]!);
    });
    child.once('exit', () => reject(new Error(`replay server exited: ${text}`)));
  });
  return { url, child };
}

/** One socket's router, tracking `<clientId>-<n>` as the replay server numbers its prompts. */
function routerFor(clientId: string, onDone: () => void): SessionRouter {
  let n = 0;
  const router: SessionRouter = new SessionRouter({
    clientId,
    onPromptDone: (t) => {
      router.untrack(t.promptId);
      onDone();
      router.track(new PromptTracker({ promptId: `${clientId}-${++n}`, clientId }));
    },
  });
  router.track(new PromptTracker({ promptId: `${clientId}-0`, clientId }));
  return router;
}

export async function measureRate(url: string, sockets: number, perSec: number, seconds: number): Promise<RateRow> {
  let messages = 0;
  let prompts = 0;
  const sessions = Array.from({ length: sockets }, (_, i) => {
    const clientId = `s${i}`;
    const router = routerFor(clientId, () => prompts++);
    const sink = {
      onText: (raw: string, atMs: number) => {
        messages++;
        router.onText(raw, atMs);
      },
      onBinary: (b: Uint8Array, atMs: number) => router.onBinary(b, atMs),
    };
    return new WsSession({ url: `${url}/ws?clientId=${clientId}&rate=${perSec / sockets}`, headers: {}, clock: systemClock, sink, heartbeatMs: 0 });
  });
  await Promise.all(sessions.map((s) => s.open()));
  await new Promise((r) => setTimeout(r, 500)); // warm-up: JIT, socket buffers
  const lag = monitorEventLoopDelay({ resolution: 1 });
  const m0 = messages;
  const p0 = prompts;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  lag.enable();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  lag.disable();
  const cpu = process.cpuUsage(cpu0);
  const elapsed = (performance.now() - t0) / 1000;
  const got = messages - m0;
  await Promise.all(sessions.map((s) => s.close()));
  const ms = (ns: number): number => Math.max(0, ns / 1e6 - 1);
  return {
    sockets,
    askedPerSec: perSec,
    gotPerSec: got / elapsed,
    cpuUsPerMsg: (cpu.user + cpu.system) / Math.max(1, got),
    lagP50Ms: ms(lag.percentile(50)),
    lagP99Ms: ms(lag.percentile(99)),
    lagMaxMs: ms(lag.max),
    prompts: prompts - p0,
  };
}
