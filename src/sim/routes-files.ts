/**
 * File routes: GET /view (the path rules of server.py: 400 for a leading '/', '..', an empty
 * name or an unknown type, 403 for a subfolder escaping its base, 404 when missing) and the
 * multipart uploads /upload/image and /upload/mask.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { HttpRouter, RouteCtx } from './http-router.js';
import { HttpFail, sendBytes, sendEmpty, sendJson } from './http-util.js';
import { DataDir, isDirType } from './data-dir.js';
import type { DirType } from './data-dir.js';
import type { SimCore } from './sim-core.js';

const MIME: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.bmp': 'image/bmp',
  '.json': 'application/json',
  '.txt': 'text/plain',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.wav': 'audio/x-wav',
  '.mp3': 'audio/mpeg',
  '.flac': 'audio/flac',
};

function contentType(filename: string): string {
  // Unknown types and anything a browser would render as a page are forced to download.
  return MIME[path.extname(filename).toLowerCase()] ?? 'application/octet-stream';
}

function viewHandler(sim: SimCore) {
  return ({ res, url }: RouteCtx): void => {
    const q = url.searchParams;
    const raw = q.get('filename');
    if (raw === null) return sendEmpty(res, 404);
    const a = DataDir.annotated(raw);
    const filename = a.name;
    if (filename === '') return sendEmpty(res, 400);
    if (filename.startsWith('/') || filename.includes('..')) return sendEmpty(res, 400);
    let type: DirType;
    if (a.type !== undefined) type = a.type;
    else {
      const t = q.get('type') ?? 'output';
      if (!isDirType(t)) return sendEmpty(res, 400);
      type = t;
    }
    const r = sim.files.resolveView(sim.files.dir(type), q.has('subfolder') ? (q.get('subfolder') ?? '') : undefined, filename);
    if ('status' in r) return sendEmpty(res, r.status);
    let st;
    try {
      st = statSync(r.file);
    } catch {
      return sendEmpty(res, 404);
    }
    if (!st.isFile()) return sendEmpty(res, 404);
    const base = path.basename(filename);
    sendBytes(res, 200, readFileSync(r.file), {
      'Content-Type': contentType(base),
      'Content-Disposition': `filename="${base}"`,
      'Last-Modified': st.mtime.toUTCString(),
      'Accept-Ranges': 'bytes',
    });
  };
}

async function readForm(ctx: RouteCtx): Promise<FormData> {
  const body = await ctx.body();
  const type = ctx.req.headers['content-type'];
  try {
    return await new Request('http://emulator.invalid/', { method: 'POST', headers: type !== undefined ? { 'content-type': type } : {}, body }).formData();
  } catch {
    return new FormData(); // not a form: aiohttp's post() yields no fields
  }
}

type SaveFn = (bytes: Buffer, form: FormData, file: string) => void;

/** `image_upload` of server.py. */
async function imageUpload(ctx: RouteCtx, sim: SimCore, save?: SaveFn): Promise<void> {
  const form = await readForm(ctx);
  const typeField = form.get('type');
  const type = typeField === null ? 'input' : typeField;
  // An unknown type leaves the folder unbound upstream: UnboundLocalError, plain 500.
  if (!isDirType(type)) throw new HttpFail(500, 'UnboundLocalError');
  const image = form.get('image');
  if (image === null || image === '') return sendEmpty(ctx.res, 400);
  if (typeof image === 'string') throw new HttpFail(500, "AttributeError: 'str' object has no attribute 'file'");
  const filename = image.name;
  if (filename === '') return sendEmpty(ctx.res, 400);
  const subfolderField = form.get('subfolder');
  const subfolder = typeof subfolderField === 'string' ? subfolderField : '';
  const overwrite = form.get('overwrite');
  const bytes = Buffer.from(await image.arrayBuffer());
  const placed = sim.files.placeUpload(type, subfolder, filename, bytes, overwrite === 'true' || overwrite === '1');
  if (placed === undefined) return sendEmpty(ctx.res, 400);
  if (placed.write !== undefined) {
    if (save !== undefined) save(bytes, form, placed.write);
    else sim.files.write(placed.write, bytes);
  }
  sendJson(ctx.res, 200, { name: placed.name, subfolder, type });
}

/**
 * /upload/mask's save function: the referenced original, saved under the upload's name (the
 * real server pastes the mask's alpha into it first; pixels are not emulated). A missing
 * original writes nothing and still answers 200, as upstream ignores the function's result.
 */
function maskSaver(sim: SimCore): SaveFn {
  return (_bytes, form, file) => {
    const refText = form.get('original_ref');
    if (typeof refText !== 'string') throw new HttpFail(500, 'TypeError: the JSON object must be str');
    let ref: unknown;
    try {
      ref = JSON.parse(refText) as unknown;
    } catch {
      throw new HttpFail(500, 'JSONDecodeError');
    }
    if (typeof ref !== 'object' || ref === null) throw new HttpFail(500, 'TypeError');
    const r = ref as { filename?: unknown; subfolder?: unknown; type?: unknown };
    const a = DataDir.annotated(String(r.filename ?? ''));
    if (a.name === '' || a.name.startsWith('/') || a.name.includes('..')) return;
    const t = a.type ?? (typeof r.type === 'string' ? r.type : 'output');
    if (!isDirType(t)) return;
    const sub = typeof r.subfolder === 'string' && r.subfolder !== '' ? r.subfolder : undefined;
    const v = sim.files.resolveView(sim.files.dir(t), sub, a.name);
    if ('status' in v) return;
    let original: Buffer;
    try {
      original = readFileSync(path.join(path.dirname(v.file), a.name));
    } catch {
      return;
    }
    sim.files.write(file, original);
  };
}

export function addFileRoutes(router: HttpRouter, sim: SimCore): void {
  router.add('GET', '/view', viewHandler(sim));
  router.add('POST', '/upload/image', (ctx) => imageUpload(ctx, sim));
  router.add('POST', '/upload/mask', (ctx) => imageUpload(ctx, sim, maskSaver(sim)));
}
