/**
 * Issue #7, TLS end to end: `comfyload run --url https://127.0.0.1:<port>` through a
 * TLS-terminating proxy in this process (node:https, a self-signed certificate made here with
 * openssl) in front of an in-process emulator, HTTP and the WebSocket upgrade (wss) both proxied.
 * The CLI trusts the certificate through NODE_EXTRA_CA_CERTS. The proxy demands credentials on
 * every request and every upgrade (401 otherwise): a bearer token from --header in one run,
 * user:password in the URL in another (comfyload refuses both at once: one Authorization header).
 * No secret may appear in any result file, stdout or stderr.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../src/sim/index.js';
import { expectAccounted, expectNoSecrets, runAndRead, SECRET_PASSWORD, SECRET_TOKEN, tempDir, writeFastWorkflow, type FaultRun } from './fault-run.js';
import { runCli, type CliResult } from './run-cli.js';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
if (!hasOpenssl && !ci)
  console.warn('tls-proxy.test.ts skipped: `openssl` is not on PATH (needed to make a self-signed certificate); on CI this fails instead');

const BEARER = `Bearer ${SECRET_TOKEN}`;
const BASIC = `Basic ${Buffer.from(`bench:${SECRET_PASSWORD}`).toString('base64')}`;

/** Terminates TLS and forwards HTTP and WebSocket upgrades to `target` when the request carries one of the accepted credentials. */
class AuthTlsProxy {
  readonly #server: Server;
  readonly #target: URL;
  readonly #tunnels = new Set<Socket>();
  /** Accepted requests and upgrades by credential kind; refusals. */
  readonly seen = { httpBearer: 0, httpBasic: 0, wsBearer: 0, wsBasic: 0, refused: 0 };

  constructor(target: string, key: string, cert: string) {
    this.#target = new URL(target);
    this.#server = createServer({ key, cert }, this.#proxyOnRequest);
    this.#server.on('upgrade', this.#proxyOnUpgrade);
  }

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    return (this.#server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.#tunnels) s.destroy();
    this.#server.closeAllConnections();
    await new Promise((r) => this.#server.close(r));
  }

  #kind(req: IncomingMessage): 'Bearer' | 'Basic' | undefined {
    if (req.headers.authorization === BEARER) return 'Bearer';
    if (req.headers.authorization === BASIC) return 'Basic';
    this.seen.refused++;
    return undefined;
  }

  #proxyOnRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const kind = this.#kind(req);
    if (kind === undefined) {
      req.resume();
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="comfy"', 'content-type': 'text/plain' }).end('401: Unauthorized');
      return;
    }
    this.seen[kind === 'Bearer' ? 'httpBearer' : 'httpBasic']++;
    const upstream = request({ host: this.#target.hostname, port: this.#target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.on('error', () => upstream.destroy());
    req.pipe(upstream);
  };

  #proxyOnUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const kind = this.#kind(req);
    if (kind === undefined) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    this.seen[kind === 'Bearer' ? 'wsBearer' : 'wsBasic']++;
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
    socket.on('close', drop);
    upstream.on('close', drop).on('error', drop);
  };
}

describe.skipIf(!hasOpenssl && !ci)('comfyload run over https/wss through an authenticating TLS proxy', () => {
  let sim: SimHandle;
  let proxy: AuthTlsProxy;
  let dir: string;
  let port: number;
  let env: NodeJS.ProcessEnv;
  let bearer: FaultRun;
  let basic: FaultRun;
  let anonymous: CliResult;
  let untrusted: CliResult;

  beforeAll(async () => {
    expect(hasOpenssl, 'openssl is required on CI').toBe(true);
    dir = tempDir('comfyload-tls-');
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    const made = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { encoding: 'utf8' },
    );
    expect(made.status, made.stderr).toBe(0);
    sim = await startSim({ timeScale: 0.1, seed: 9 });
    proxy = new AuthTlsProxy(sim.url, readFileSync(key, 'utf8'), readFileSync(cert, 'utf8'));
    port = await proxy.listen();
    env = { NODE_EXTRA_CA_CERTS: cert };
    const workflow = writeFastWorkflow(dir);
    const args = ['run', '--workflow', workflow, '--concurrency', '2', '--prompts', '6', '--warmup', '0', '--vram-interval', '500ms'];
    [bearer, basic, anonymous, untrusted] = await Promise.all([
      runAndRead(
        [...args, '--url', `https://127.0.0.1:${port}`, '--header', `Authorization: ${BEARER}`, '--name', 'tls-bearer'],
        join(dir, 'r-bearer'),
        env,
        60_000,
      ),
      runAndRead([...args, '--url', `https://bench:${SECRET_PASSWORD}@127.0.0.1:${port}`, '--name', 'tls-basic'], join(dir, 'r-basic'), env, 60_000),
      runCli([...args, '--url', `https://127.0.0.1:${port}`, '--results-dir', join(dir, 'r-anonymous')], { env, timeoutMs: 30_000 }),
      runCli([...args, '--url', `https://127.0.0.1:${port}`, '--header', `Authorization: ${BEARER}`, '--results-dir', join(dir, 'r-untrusted')], {
        timeoutMs: 30_000,
      }),
    ]);
  }, 70_000);

  afterAll(async () => {
    await proxy?.close();
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a bearer token from --header: every request and every wss upgrade carried it; the run completes', () => {
    expect(bearer.cli.code, bearer.cli.stderr).toBe(0);
    expect(bearer.outcomes).toEqual({ ok: 6 });
    expectAccounted(bearer, 6);
    expect(bearer.run.summary.targets[0]?.url).toBe(`https://127.0.0.1:${port}`);
    expect(proxy.seen.httpBearer).toBeGreaterThanOrEqual(6 + 2); // 6 POSTs, /system_stats, /object_info, VRAM polls…
    expect(proxy.seen.wsBearer).toBeGreaterThanOrEqual(2);
  });

  it('user:password in the URL: sent as Basic on requests and upgrades; the run completes', () => {
    expect(basic.cli.code, basic.cli.stderr).toBe(0);
    expect(basic.outcomes).toEqual({ ok: 6 });
    expectAccounted(basic, 6);
    expect(basic.run.summary.targets[0]?.url).toBe(`https://127.0.0.1:${port}`);
    expect(proxy.seen.httpBasic).toBeGreaterThanOrEqual(6 + 2);
    expect(proxy.seen.wsBasic).toBeGreaterThanOrEqual(2);
  });

  it('without credentials the proxy answers 401: TARGET_AUTH, exit 3', () => {
    expect(anonymous.code, anonymous.stderr).toBe(3);
    expect(anonymous.stderr).toContain('code: COMFYLOAD_ERR_TARGET_AUTH');
    expect(proxy.seen.refused).toBeGreaterThan(0);
  });

  it('without NODE_EXTRA_CA_CERTS the self-signed certificate is refused: TARGET_UNREACHABLE, exit 3, no secret echoed', () => {
    expect(untrusted.code, untrusted.stderr).toBe(3);
    expect(untrusted.stderr).toContain('code: COMFYLOAD_ERR_TARGET_UNREACHABLE');
    expect(untrusted.stderr).not.toContain(SECRET_TOKEN);
  });

  it('no secret in any file written, nor on stdout or stderr', () => {
    // The refused runs stopped at preflight, before any results folder.
    expect(existsSync(join(dir, 'r-anonymous'))).toBe(false);
    expect(existsSync(join(dir, 'r-untrusted'))).toBe(false);
    expectNoSecrets(join(dir, 'r-bearer'), [bearer.cli.stdout, bearer.cli.stderr, anonymous.stdout, anonymous.stderr, untrusted.stdout, untrusted.stderr]);
    expectNoSecrets(join(dir, 'r-basic'), [basic.cli.stdout, basic.cli.stderr]);
  });
});
