/**
 * The emulator's input/, output/ and temp/ folders: creation, the path rules of `/view` and the
 * upload routes (nothing outside the data folder is ever read or written), ComfyUI's
 * `prefix_00001_.png` counter and the upload naming rule.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export type DirType = 'input' | 'output' | 'temp';
export const DIR_TYPES: readonly DirType[] = ['input', 'output', 'temp'];

export function isDirType(v: unknown): v is DirType {
  return v === 'input' || v === 'output' || v === 'temp';
}

export class DataDir {
  readonly root: string;
  readonly #owned: boolean;

  /** Uses `root` when given (created if missing), else a fresh temp dir removed by `dispose`. */
  constructor(root?: string) {
    if (root === undefined) {
      this.root = mkdtempSync(path.join(tmpdir(), 'comfyload-sim-'));
      this.#owned = true;
    } else {
      this.root = path.resolve(root);
      this.#owned = false;
    }
    for (const t of DIR_TYPES) mkdirSync(this.dir(t), { recursive: true });
  }

  dir(type: DirType): string {
    return path.join(this.root, type);
  }

  /** `folder_paths.annotated_filepath`: a trailing ` [output]`/`[input]`/`[temp]` names the folder. */
  static annotated(name: string): { name: string; type: DirType | undefined } {
    if (name.endsWith('[output]')) return { name: name.slice(0, -9), type: 'output' };
    if (name.endsWith('[input]')) return { name: name.slice(0, -8), type: 'input' };
    if (name.endsWith('[temp]')) return { name: name.slice(0, -7), type: 'temp' };
    return { name, type: undefined };
  }

  /** True when `candidate` is `base` or inside it (os.path.commonpath check). */
  static inside(base: string, candidate: string): boolean {
    const rel = path.relative(base, candidate);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  }

  /** Names of files under input/ (with subfolder prefix), for LoadImage's enum. */
  listInputs(): string[] {
    const base = this.dir('input');
    const out: string[] = [];
    const walk = (dir: string, prefix: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(dir, e.name), `${prefix}${e.name}/`);
        else if (e.isFile()) out.push(`${prefix}${e.name}`);
      }
    };
    walk(base, '');
    return out.sort();
  }

  /** Reads an input file named as LoadImage names it (`sub/name.png`, optional annotation). */
  readInput(name: string): Buffer | undefined {
    const a = DataDir.annotated(name);
    const base = this.dir(a.type ?? 'input');
    const file = path.resolve(base, a.name);
    if (!DataDir.inside(base, file)) return undefined;
    try {
      return readFileSync(file);
    } catch {
      return undefined;
    }
  }

  /**
   * `get_save_image_path`: next free counter for `prefix` in output/ or temp/, by listing the
   * folder (which is why SaveImage slows down as output/ fills up, as on the real server).
   */
  nextCounter(type: DirType, filenamePrefix: string): { subfolder: string; filename: string; folder: string; counter: number } {
    const normalized = filenamePrefix.replace(/\\/g, '/');
    const subfolder = path.posix.dirname(normalized) === '.' ? '' : path.posix.dirname(normalized);
    const filename = path.posix.basename(normalized);
    const base = this.dir(type);
    const folder = path.resolve(base, subfolder);
    if (!DataDir.inside(base, folder))
      throw new Error(`Saving image outside the output folder is not allowed.\n full_output_folder: ${folder}\n         output_dir: ${base}`);
    mkdirSync(folder, { recursive: true });
    let max = 0;
    const re = new RegExp(`^${escapeRegExp(filename)}_(\\d+)_`);
    for (const f of readdirSync(folder)) {
      const m = re.exec(f);
      if (m?.[1] !== undefined) max = Math.max(max, Number(m[1]));
    }
    return { subfolder, filename, folder, counter: max + 1 };
  }

  /**
   * `/upload/image` naming: with overwrite, the name as given; otherwise an existing file with
   * the same bytes is reused (nothing written) and a different one makes `name (1).ext`, `name (2).ext`…
   */
  placeUpload(type: DirType, subfolder: string, filename: string, bytes: Buffer, overwrite: boolean): { name: string; write: string | undefined } | undefined {
    const base = this.dir(type);
    const folder = path.resolve(base, path.normalize(subfolder));
    let file = path.resolve(folder, filename);
    if (!DataDir.inside(base, file)) return undefined;
    mkdirSync(folder, { recursive: true });
    let name = filename;
    if (!overwrite) {
      const ext = path.extname(filename);
      const stem = filename.slice(0, filename.length - ext.length);
      const digest = sha256(bytes);
      for (let i = 1; existsSync(file); i++) {
        if (statSync(file).isFile() && sha256(readFileSync(file)) === digest) return { name, write: undefined };
        name = `${stem} (${i})${ext}`;
        file = path.join(folder, name);
      }
    }
    return { name, write: file };
  }

  /** Resolves a `/view` request to a file path, or the status the real server answers. */
  resolveView(base: string, subfolder: string | undefined, filename: string): { file: string } | { status: 403 } {
    let dir = base;
    if (subfolder !== undefined) {
      // os.path.join: an absolute subfolder replaces the base, and then fails the check.
      dir = path.resolve(base, subfolder);
      if (!DataDir.inside(base, dir)) return { status: 403 };
    }
    return { file: path.join(dir, path.basename(filename)) };
  }

  write(file: string, bytes: Buffer): void {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, bytes);
  }

  /** Removes the folder if the emulator created it. */
  dispose(): void {
    if (this.#owned) rmSync(this.root, { recursive: true, force: true });
  }
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
