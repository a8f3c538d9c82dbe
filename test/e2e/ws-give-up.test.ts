/**
 * Issue #7, a socket that gives up: a purpose-built proxy in front of an emulator passes HTTP
 * through all along, and WebSocket upgrades only until the 4th POST /prompt — then it cuts every
 * open socket and answers every new upgrade 503. The run (closed loop, and open loop) must stop
 * with COMFYLOAD_ERR_WS_CLOSED and exit 3 once the sockets are given up (--reconnect-timeout),
 * with the prompts that were in flight settled from /history (the server finished them), no
 * prompt sent after the cut, counts that add up, files that parse and summary.json partial.
 */
import { createServer, request, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../src/sim/index.js';
import { readHlog } from '../../src/metrics/hlog-reader.js';
import { expectAccounted, expectNoSecrets, runAndRead, SECRET_TOKEN, tempDir, writeFastWorkflow, type FaultRun } from './fault-run.js';

/** Forwards to `target`; after `cutAfterPosts` POST /prompt, WebSocket upgrades are refused and open tunnels cut. */
class WsCuttingProxy {
  readonly #server: Server;
  readonly #tunnels = new Set<Socket>();
  readonly #target: URL;
  readonly #cutAfterPosts: number;
  posts = 0;
  refusedUpgrades = 0;
  cut = false;

  constructor(target: string, cutAfterPosts: number) {
    this.#target = new URL(target);
    this.#cutAfterPosts = cutAfterPosts;
    this.#server = createServer(this.#proxyOnRequest);
    this.#server.on('upgrade', this.#proxyOnUpgrade);
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const s of this.#tunnels) s.destroy();
    this.#server.closeAllConnections();
    await new Promise((r) => this.#server.close(r));
  }

  #proxyOnRequest = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void => {
    if (req.method === 'POST' && req.url === '/prompt' && ++this.posts >= this.#cutAfterPosts && !this.cut) {
      this.cut = true;
      for (const s of this.#tunnels) s.destroy();
    }
    const upstream = request({ host: this.#target.hostname, port: this.#target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.on('error', () => upstream.destroy());
    res.on('error', () => upstream.destroy());
    req.pipe(upstream);
  };

  #proxyOnUpgrade = (req: import('node:http').IncomingMessage, socket: Socket, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    if (this.cut) {
      this.refusedUpgrades++;
      socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const upstream = connect(Number(this.#target.port), this.#target.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    this.#tunnels.add(socket);
    const drop = (): void => {
      this.#tunnels.delete(socket);
      socket.destroy();
      upstream.destroy();
    };
    socket.on('close', drop).on('error', drop);
    upstream.on('close', drop).on('error', drop);
    // Cutting the client side cuts the upstream too (and the emulator unregisters the socket).
    socket.on('close', () => upstream.destroy());
  };
}

interface Case {
  args: string[];
}

const CASES: Record<string, Case> = {
  'closed loop': { args: ['--concurrency', '3', '--prompts', '30'] },
  'open loop': { args: ['--rate', '12/s', '--prompts', '30'] },
};

describe.each(Object.keys(CASES))('every WebSocket given up (%s)', (name) => {
  let sim: SimHandle;
  let proxy: WsCuttingProxy;
  let dir: string;
  let r: FaultRun;

  beforeAll(async () => {
    sim = await startSim({ timeScale: 0.1, seed: 5 });
    proxy = new WsCuttingProxy(sim.url, 4);
    const url = await proxy.listen();
    dir = tempDir('comfyload-ws-give-up-');
    const workflow = writeFastWorkflow(dir, 4, 500); // 200 ms per prompt at time-scale 0.1
    r = await runAndRead(
      [
        'run',
        '--url',
        url,
        '--header',
        `X-Api-Key: ${SECRET_TOKEN}`,
        '--workflow',
        workflow,
        '--warmup',
        '0',
        '--reconnect-timeout',
        '1500ms',
        '--vram-interval',
        '1s',
        '--name',
        'give-up',
        ...CASES[name]!.args,
      ],
      `${dir}/results`,
      {},
      60_000,
    );
  }, 70_000);

  afterAll(async () => {
    await proxy?.close();
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stops with COMFYLOAD_ERR_WS_CLOSED and exit 3, after writing partial results', () => {
    expect(r.cli.code, r.cli.stderr).toBe(3);
    expect(r.cli.stderr).toContain('code: COMFYLOAD_ERR_WS_CLOSED');
    expect(r.cli.stderr).toMatch(/did not reopen within 1\.5 s/);
    expect(r.cli.stderr).toMatch(/fix: .*--reconnect-timeout/);
    expect(r.run.summary.partial).toBe(true);
    expect(r.run.summary.partialReason).toMatch(/^Every WebSocket to http:\/\/127\.0\.0\.1:\d+ closed and did not reopen/);
    expect(r.run.summary.warnings).toContainEqual(expect.stringContaining('its virtual user took no new prompts'));
    expect(proxy.refusedUpgrades).toBeGreaterThan(0);
  });

  it('accounts for every prompt once: those in flight at the cut settled from /history, none sent after it', () => {
    const submitted = r.run.summary.totals.submitted;
    expect(submitted).toBeGreaterThanOrEqual(4);
    const sent = r.run.requests.rows.filter((row) => row.promptId !== '');
    if (name === 'closed loop') {
      // Users take no budget once their socket is gone: fewer prompts than planned, all sent.
      expect(submitted).toBeLessThan(30);
      expectAccounted(r, submitted);
    } else {
      // Arrivals that waited for a socket until it was given up were never sent: `dropped`, no id.
      expect(r.outcomes.dropped).toBeGreaterThan(0);
      expect(
        r.run.requests.rows
          .filter((row) => row.outcome === 'dropped')
          .every((row) => /every WebSocket to the target was given up/.test(row.outcomeDetail ?? '')),
      ).toBe(true);
      expect(r.run.requests.rows).toHaveLength(submitted);
      expect(new Set(sent.map((row) => row.promptId)).size).toBe(sent.length);
      expect(r.run.summary.totals.outcomes).toEqual(r.outcomes);
      expect(() => readHlog(r.run.hlog)).not.toThrow();
      expectNoSecrets(r.run.dir, [r.cli.stdout, r.cli.stderr]);
    }
    // Every prompt the server got was posted before or at the cut (the POSTs in flight then included).
    expect(proxy.posts).toBe(sent.length);
    // The server finished them all; the ones the sockets missed were read from history.
    expect(sent.every((row) => row.outcome === 'ok')).toBe(true);
    expect(sent.filter((row) => row.source === 'history').length).toBeGreaterThan(0);
    for (const row of sent) expect(sim.groundTruth.prompts.get(row.promptId!)?.outcome).toBe('success');
  });
});

describe('every WebSocket given up during a capacity search', () => {
  let sim: SimHandle;
  let proxy: WsCuttingProxy;
  let dir: string;
  let r: FaultRun;

  beforeAll(async () => {
    sim = await startSim({ timeScale: 0.1, seed: 5 });
    proxy = new WsCuttingProxy(sim.url, 6); // after the 3-prompt probe, early in the first trial
    const url = await proxy.listen();
    dir = tempDir('comfyload-ws-give-up-capacity-');
    const workflow = writeFastWorkflow(dir, 4, 500);
    r = await runAndRead(
      [
        'capacity',
        '--url',
        url,
        '--workflow',
        workflow,
        '--slo',
        'completionMs.p95<5000',
        '--warmup',
        '0',
        '--probe-prompts',
        '3',
        '--reconnect-timeout',
        '1500ms',
        '--vram-interval',
        '1s',
        '--name',
        'give-up-capacity',
      ],
      `${dir}/results`,
      {},
      60_000,
    );
  }, 70_000);

  afterAll(async () => {
    await proxy?.close();
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stops the search (no trial after the loss), writes partial results and exits 3 with COMFYLOAD_ERR_WS_CLOSED', () => {
    expect(r.cli.code, r.cli.stderr).toBe(3);
    expect(r.cli.stderr).toContain('code: COMFYLOAD_ERR_WS_CLOSED');
    expect(r.run.summary.partial).toBe(true);
    expect(r.run.summary.partialReason).toMatch(/^Every WebSocket to http:\/\/127\.0\.0\.1:\d+ closed and did not reopen/);
    // The search stopped in the trial that lost the target: at most that one trial is recorded.
    expect(r.run.summary.capacity?.trials.length ?? 0).toBeLessThanOrEqual(1);
    expect(r.run.summary.totals.submitted).toBe(Object.values(r.run.summary.totals.outcomes).reduce((a, n) => a + n, 0));
  });
});
