/**
 * The comfyload package this code runs from: its root folder (for bundled fixtures) and version.
 * Found by walking up from this module, so it works from src/ (tests) and from the dist/ bundle.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageInfo {
  root: string;
  version: string;
}

let cached: PackageInfo | undefined;

export function packageInfo(): PackageInfo {
  cached ??= findPackage(dirname(fileURLToPath(import.meta.url)));
  return cached;
}

function findPackage(start: string): PackageInfo {
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'comfyload') return { root: dir, version: typeof pkg.version === 'string' ? pkg.version : '0.0.0' };
    } catch {
      // No package.json here (or not ours): keep walking up.
    }
    if (dirname(dir) === dir) throw new Error(`comfyload's package.json not found above ${start}`);
  }
}
