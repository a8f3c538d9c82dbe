// Replay server for bench/scale.ts: a WebSocket server (its own process, so it is not the
// harness's bottleneck) that sends recorded ComfyUI frame sequences — one prompt's execution_start,
// executing, 20 × (progress_state, progress), executed, execution_success, executing null, as
// ComfyUI 0.3.x sends them (/work/shared/traces) — as fast as the client asks: `?rate=` messages
// per second on that socket, `?clientId=` names the prompts (`<clientId>-<n>`, n = 0, 1, …).
// Prints `listening on ws://127.0.0.1:<port>` once ready. Sends in 1 ms ticks, corked per tick.
import { WebSocketServer } from 'ws';

const STEPS = 20;

function promptFrames(id) {
  const f = [
    JSON.stringify({ type: 'execution_start', data: { prompt_id: id, timestamp: 1 } }),
    JSON.stringify({ type: 'execution_cached', data: { nodes: [], prompt_id: id, timestamp: 1 } }),
    JSON.stringify({ type: 'executing', data: { node: '3', display_node: '3', prompt_id: id } }),
  ];
  for (let i = 1; i <= STEPS; i++) {
    const node = { value: i, max: STEPS, state: 'running', node_id: '3', prompt_id: id, display_node_id: '3', parent_node_id: null, real_node_id: '3' };
    f.push(JSON.stringify({ type: 'progress_state', data: { prompt_id: id, nodes: { 3: node } } }));
    f.push(JSON.stringify({ type: 'progress', data: { value: i, max: STEPS, prompt_id: id, node: '3' } }));
  }
  f.push(
    JSON.stringify({
      type: 'executed',
      data: { node: '9', display_node: '9', output: { images: [{ filename: 'x.png', subfolder: '', type: 'output' }] }, prompt_id: id },
    }),
  );
  f.push(JSON.stringify({ type: 'execution_success', data: { prompt_id: id, timestamp: 2 } }));
  f.push(JSON.stringify({ type: 'executing', data: { node: null, prompt_id: id } }));
  return f;
}

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('connection', (ws, req) => {
  const q = new URL(req.url ?? '/', 'http://x').searchParams;
  const rate = Number(q.get('rate') ?? 1000);
  const clientId = q.get('clientId') ?? 'c';
  let n = 0;
  let frames = promptFrames(`${clientId}-${n}`);
  let at = 0;
  let sent = 0;
  const t0 = performance.now();
  const tick = () => {
    if (ws.readyState !== ws.OPEN) return;
    const due = Math.floor(((performance.now() - t0) * rate) / 1000) - sent;
    // Back off while the socket's buffer is full: the client is not reading as fast as asked.
    const room = ws.bufferedAmount > 4 * 2 ** 20 ? 0 : due;
    ws._socket.cork();
    for (let k = 0; k < room; k++) {
      ws.send(frames[at++]);
      if (at === frames.length) {
        frames = promptFrames(`${clientId}-${++n}`);
        at = 0;
      }
    }
    ws._socket.uncork();
    sent += room;
    setTimeout(tick, 1);
  };
  tick();
});
wss.on('listening', () => console.log(`listening on ws://127.0.0.1:${wss.address().port}`));
process.on('SIGTERM', () => process.exit(0));
