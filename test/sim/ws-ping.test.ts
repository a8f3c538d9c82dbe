/**
 * The emulator answers WebSocket pings as ComfyUI's aiohttp does (autoping), and its `ws-mute`
 * fault makes a socket half-open: still connected, but no frame and no pong ever again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startSim, type SimHandle } from '../../src/sim/index.js';

let sim: SimHandle | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function connect(url: string): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws?clientId=c1`);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

describe('emulator WebSocket pings', () => {
  it('answers a ping with a pong carrying its data', async () => {
    sim = await startSim({ timeScale: 0 });
    const ws = await connect(sim.url);
    const pong = new Promise<string>((resolve) => ws.once('pong', (d) => resolve(d.toString())));
    ws.ping('hb-1');
    expect(await pong).toBe('hb-1');
    ws.terminate();
  });

  it('ws-mute:every=1 silences a socket at its first frame: open, but no pong and no frame after', async () => {
    sim = await startSim({ timeScale: 0, faults: [{ name: 'ws-mute', every: 1 }] });
    const ws = await connect(sim.url);
    const frames: string[] = [];
    ws.on('message', (d) => frames.push(d.toString()));
    let pongs = 0;
    ws.on('pong', () => pongs++);
    ws.ping('hb-1');
    // Nothing can arrive from a muted socket: a bounded wait is the only way to see that.
    await new Promise((r) => setTimeout(r, 300));
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(pongs).toBe(0);
    expect(frames).toEqual([]);
    expect(sim.state!.faults.counts()['ws-mute']).toBe(1);
    ws.terminate();
  });
});
