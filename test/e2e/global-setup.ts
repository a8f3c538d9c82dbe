import { execFileSync } from 'node:child_process';

/** End-to-end suites run the real CLI: build dist/ once before them. */
export default function setup(): void {
  execFileSync(process.execPath, ['build.mjs'], { stdio: 'inherit' });
}
