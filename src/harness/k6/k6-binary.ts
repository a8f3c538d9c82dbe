/**
 * Finding k6 and choosing the scenario build for its version: K6_BIN, then PATH, then the
 * fallbacks the caller gives (the repository's ../shared/bin/k6). Scenario builds by version (see
 * build.mjs): v0.49 (experimental websockets and timers), v0.50 – v1.5 (experimental websockets),
 * v1.6 and later (k6/websockets).
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ComfyloadError } from '../../comfy/errors.js';

export interface K6Binary {
  path: string;
  /** `0.49.0`. */
  version: string;
  /** Subfolder of dist/scenarios with the build for this version ('' for k6 ≥ 1.6). */
  flavour: '' | 'k6-v0.50' | 'k6-v0.49';
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The k6 executable, or undefined: K6_BIN (which must exist when set), PATH, then `fallbacks`. */
export function findK6Path(env: NodeJS.ProcessEnv, fallbacks: readonly string[]): string | undefined {
  const fromEnv = env.K6_BIN?.trim();
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && executable(join(dir, 'k6'))) return join(dir, 'k6');
  }
  return fallbacks.find(executable);
}

/** `k6 v0.49.0 (commit/…)` → [0, 49, 0]. */
export function parseK6Version(text: string): [number, number, number] | undefined {
  const m = /\bv(\d+)\.(\d+)\.(\d+)/.exec(text);
  return m === null ? undefined : [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** The scenario build for a k6 version; throws K6_UNSUPPORTED below v0.49. */
export function flavourFor(version: [number, number, number], path: string): K6Binary['flavour'] {
  const [major, minor] = version;
  if (major === 0 && minor < 49) {
    throw new ComfyloadError('COMFYLOAD_ERR_K6_UNSUPPORTED', `${path} is k6 v${version.join('.')}; the scenarios need k6 v0.49 or later`, {
      hint: 'install a newer k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/), or point K6_BIN at one.',
    });
  }
  if (major === 0 && minor === 49) return 'k6-v0.49';
  if (major === 0 || (major === 1 && minor < 6)) return 'k6-v0.50';
  return '';
}

/** Finds k6 and reads its version; throws K6_NOT_FOUND with where it looked. */
export function locateK6(env: NodeJS.ProcessEnv, fallbacks: readonly string[]): K6Binary {
  const path = findK6Path(env, fallbacks);
  if (path === undefined) {
    throw new ComfyloadError('COMFYLOAD_ERR_K6_NOT_FOUND', `No k6 found (looked at K6_BIN, PATH and ${fallbacks.join(', ') || 'nothing else'})`);
  }
  let text: string;
  try {
    text = execFileSync(path, ['version'], { encoding: 'utf8', timeout: 15_000, env: { ...env, K6_NO_USAGE_REPORT: 'true' } });
  } catch (err) {
    throw new ComfyloadError(
      'COMFYLOAD_ERR_K6_NOT_FOUND',
      `${path} does not run as k6 (\`k6 version\` failed: ${(err as Error).message.split('\n')[0] ?? ''})`,
      { cause: err },
    );
  }
  const version = parseK6Version(text);
  if (version === undefined)
    throw new ComfyloadError('COMFYLOAD_ERR_K6_NOT_FOUND', `${path} does not look like k6: \`k6 version\` said ${JSON.stringify(text.trim().slice(0, 80))}`);
  return { path, version: version.join('.'), flavour: flavourFor(version, path) };
}
