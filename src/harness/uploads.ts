/**
 * Input files for LoadImage / LoadImageMask, uploaded once before the run (protocol reference §1
 * POST /upload/image and /upload/mask): multipart with `image`, `type=input` and, for a mask,
 * `original_ref` naming the image it belongs to. The server may rename the file (`name (1).png`
 * when a different file of that name exists; the same bytes return the existing name), so the
 * workflow is rewritten to the name it returned, subfolder included.
 */
import type { ApiWorkflow, UploadResponse } from '../comfy/http-types.js';
import { cloneWorkflow } from '../comfy/workflow.js';
import type { Clock } from './clock.js';
import type { ComfyHttp } from './comfy-http.js';
import { ComfyloadError } from '../comfy/errors.js';

export type UploadKind = 'image' | 'mask';

/** A file to upload, read by the CLI (the engine opens no files). */
export interface InputUpload {
  kind: UploadKind;
  /** The file name sent to the server (the local file's base name). */
  fileName: string;
  bytes: Uint8Array;
  /** Node ids whose `image` input gets the uploaded name. */
  nodeIds: string[];
  /** Where the bytes came from, for messages. */
  source: string;
}

/** What one upload did, for the run's records. */
export interface UploadRecord {
  kind: UploadKind;
  /** The route used: `/upload/image` or `/upload/mask`. */
  route?: string;
  source: string;
  sentName: string;
  /** The name as LoadImage takes it: `subfolder/name` or `name`. */
  serverName: string;
  bytes: number;
  uploadMs: number;
  nodeIds: string[];
}

/** Classes whose `image` input names a file in the server's input folder. */
export const IMAGE_LOADERS: Readonly<Record<string, UploadKind>> = { LoadImage: 'image', LoadImageMask: 'mask' };

/**
 * Uploads images first, then masks (a mask for an `alpha` loader refers to the first uploaded
 * image, as the editor's mask editor does); returns the records and the workflow with the
 * returned names.
 */
export async function uploadInputs(
  http: ComfyHttp,
  clock: Clock,
  wf: ApiWorkflow,
  uploads: readonly InputUpload[],
): Promise<{ workflow: ApiWorkflow; records: UploadRecord[] }> {
  const out = cloneWorkflow(wf);
  const records: UploadRecord[] = [];
  let originalRef: { filename: string; subfolder: string; type: string } | undefined;
  const ordered = [...uploads.filter((u) => u.kind === 'image'), ...uploads.filter((u) => u.kind === 'mask')];
  for (const upload of ordered) {
    const started = clock.now();
    // /upload/mask pastes the mask into the referenced image's alpha channel (the editor's mask
    // flow): right for loaders that read `alpha`. A loader reading a colour channel of a plain
    // mask file, or a mask without an uploaded image to belong to, gets it through /upload/image.
    const readsAlpha = upload.nodeIds.length > 0 && upload.nodeIds.every((id) => out[id]?.inputs.channel === 'alpha');
    const asMask = upload.kind === 'mask' && originalRef !== undefined && readsAlpha;
    const reply = await postUpload(http, asMask ? '/upload/mask' : '/upload/image', upload, asMask ? originalRef : undefined);
    const uploadMs = clock.now() - started;
    const serverName = reply.subfolder !== '' ? `${reply.subfolder}/${reply.name}` : reply.name;
    if (upload.kind === 'image') originalRef ??= { filename: reply.name, subfolder: reply.subfolder, type: reply.type };
    for (const id of upload.nodeIds) {
      const node = out[id];
      if (node !== undefined) node.inputs.image = serverName;
    }
    records.push({
      kind: upload.kind,
      route: asMask ? '/upload/mask' : '/upload/image',
      source: upload.source,
      sentName: upload.fileName,
      serverName,
      bytes: upload.bytes.byteLength,
      uploadMs,
      nodeIds: [...upload.nodeIds],
    });
  }
  return { workflow: out, records };
}

async function postUpload(http: ComfyHttp, path: string, upload: InputUpload, originalRef: object | undefined): Promise<UploadResponse> {
  const form = new FormData();
  form.set('image', new Blob([upload.bytes]), upload.fileName);
  form.set('type', 'input');
  form.set('overwrite', 'false');
  if (originalRef !== undefined) form.set('original_ref', JSON.stringify(originalRef));
  let res: Response;
  try {
    res = await fetch(http.baseUrl + path, { method: 'POST', headers: { ...http.headers }, body: form, signal: AbortSignal.timeout(60_000) });
  } catch (err) {
    throw new ComfyloadError('COMFYLOAD_ERR_TARGET_UNREACHABLE', `POST ${path} of ${upload.source} on ${http.baseUrl} failed: ${(err as Error).message}`, {
      hint: 'Check that the server is up; uploads go to the same address as the prompts.',
      cause: err,
    });
  }
  const text = await res.text();
  if (res.status === 413) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_WORKFLOW', `${upload.source} (${upload.bytes.byteLength} bytes) is larger than the server accepts (413)`, {
      hint: 'Use a smaller input image, or start ComfyUI with a larger --max-upload-size.',
    });
  }
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    body = undefined;
  }
  const reply = body as Partial<UploadResponse> | undefined;
  if (res.status !== 200 || typeof reply?.name !== 'string') {
    throw new ComfyloadError('COMFYLOAD_ERR_NOT_COMFYUI', `POST ${path} of ${upload.source} answered ${res.status} ${JSON.stringify(text.slice(0, 80))}`, {
      hint: 'Check that --url points at ComfyUI and that its input folder is writable.',
    });
  }
  return {
    name: reply.name,
    subfolder: typeof reply.subfolder === 'string' ? reply.subfolder : '',
    type: typeof reply.type === 'string' ? reply.type : 'input',
  };
}
