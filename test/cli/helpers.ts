/** Shared helpers of the CLI tests: a scratch folder of files and a one-call argv → RunPlan. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';

import { runPlanFromFlags } from '../../src/cli/run-args.js';
import { ComfyloadError } from '../../src/comfy/errors.js';
import type { CliIO } from '../../src/cli/io.js';
import { parseArgv } from '../../src/cli/parse-argv.js';

/** A minimal API-format graph: checkpoint → sampler → decode → save. */
export const API_WORKFLOW = {
  '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'v1-5-pruned-emaonly.safetensors' } },
  '3': { class_type: 'KSampler', inputs: { seed: 1, steps: 20, model: ['4', 0] } },
  '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
  '9': { class_type: 'SaveImage', inputs: { images: ['8', 0], filename_prefix: 'ComfyUI' } },
};

export class Scratch {
  readonly dir = mkdtempSync(join(tmpdir(), 'comfyload-cli-'));

  constructor() {
    this.write('workflow.json', JSON.stringify(API_WORKFLOW, null, 2));
  }

  write(name: string, text: string): string {
    const path = join(this.dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    return path;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export function testIO(cwd: string, env: NodeJS.ProcessEnv = {}): CliIO & { stdout: Capture; stderr: Capture } {
  return { stdout: new Capture(), stderr: new Capture(), env, cwd };
}

/** argv (+ env) → { plan, flags } exactly as `comfyload run` builds them, with seed 7 when random. */
export async function planFrom(argv: string[], env: NodeJS.ProcessEnv = {}, cwd = process.cwd()) {
  const parsed = parseArgv(argv, '0.0.0-test');
  if (parsed.kind !== 'command') throw new Error(`expected a command, got output ${parsed.text}`);
  return runPlanFromFlags(parsed.flags, testIO(cwd, env), { randomSeed: () => 7 });
}

/** The ComfyloadError a promise or function rejects with. */
export async function errorOf(fn: () => unknown): Promise<ComfyloadError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof ComfyloadError) return err;
    throw err;
  }
  throw new Error('expected a ComfyloadError, nothing was thrown');
}
