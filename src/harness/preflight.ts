/**
 * Workflow preflight against the target, before any prompt is sent (DESIGN "Flow of one run"):
 * fetch `/object_info` once, convert a UI-format file, apply `--set` typed by the node schemas,
 * decide which input files to upload, validate the whole graph (every problem at once), and only
 * then upload and rewrite the graph to the names the server returned.
 */
import type { ApiWorkflow, ObjectInfo } from '../comfy/http-types.js';
import { formatPreflightProblem, preflightWorkflow, type PreflightProblem } from '../comfy/preflight.js';
import { applySetAssignments, type SetAssignment } from '../comfy/set-values.js';
import { convertUiWorkflow, UiConversionError } from '../comfy/ui-to-api.js';
import { cloneWorkflow } from '../comfy/workflow.js';
import type { Clock } from './clock.js';
import type { ComfyHttp } from './comfy-http.js';
import { ComfyloadError } from '../comfy/errors.js';
import { IMAGE_LOADERS, type InputUpload, type UploadKind, type UploadRecord, uploadInputs } from './uploads.js';

/** An input file named by the user (`--input [node=]photo.png`, `--input-mask`), read by the CLI. */
export interface UserInput {
  kind: UploadKind;
  fileName: string;
  bytes: Uint8Array;
  source: string;
  /** Node id or `_meta.title` of the loader it is for; all loaders of its kind when absent. */
  node?: string;
}

export interface WorkflowPrepRequest {
  /** The API-format graph, or undefined when `ui` is given. */
  workflow?: ApiWorkflow;
  /** A UI-format graph, converted with the server's `/object_info`. */
  ui?: unknown;
  sets?: readonly SetAssignment[];
  inputs?: readonly UserInput[];
  /**
   * Reads a file the workflow names (`example.png`) from beside the workflow file, for images
   * the server does not have; undefined when there is no such local file.
   */
  findLocalInput?: (name: string) => Promise<{ bytes: Uint8Array; source: string } | undefined>;
  /** Validate only: nothing is uploaded. */
  dryRun?: boolean;
  /** The server's /object_info when already fetched (a mix prepares several workflows against one server). */
  objectInfo?: ObjectInfo;
  /**
   * A mix: an input with no loader of its kind in this workflow is left for the others (the
   * caller checks that some workflow took it) instead of being an error.
   */
  inputsMayNotFit?: boolean;
}

export interface PreparedWorkflow {
  workflow: ApiWorkflow;
  objectInfo: ObjectInfo;
  /** Whether the file was UI format and converted. */
  converted: boolean;
  /** One line per node where the conversion filled in what the editor fills in silently (defaults, dynamic prompts). */
  conversionNotes: string[];
  /** Planned (dry run: `uploadMs` 0, `serverName` as sent) or done uploads. */
  uploads: UploadRecord[];
}

/** Fetches `/object_info` and checks it looks like ComfyUI's. */
export async function fetchObjectInfo(http: ComfyHttp): Promise<ObjectInfo> {
  const info = await http.objectInfo();
  // ComfyUI always lists its core nodes, each with an `input` object: a JSON API that answers
  // anything else (`{"status": "ok"}`) is not ComfyUI, not a workflow of unknown nodes.
  const entries = info !== null && typeof info === 'object' && !Array.isArray(info) ? Object.values(info as Record<string, unknown>) : [];
  const nodeLike = (v: unknown): boolean => typeof v === 'object' && v !== null && typeof (v as { input?: unknown }).input === 'object';
  if (entries.length === 0 || !entries.every(nodeLike)) {
    throw new ComfyloadError('COMFYLOAD_ERR_NOT_COMFYUI', `${http.baseUrl}/object_info is not ComfyUI's (not an object of node classes)`, {
      hint: 'Check that --url points at a ComfyUI server.',
    });
  }
  return info;
}

/**
 * Everything between reading the workflow file and the first prompt. Throws ComfyloadError
 * `COMFYLOAD_ERR_BAD_WORKFLOW` with one detail line per problem, or `…_WORKFLOW_UI_FORMAT` when
 * a UI-format file cannot be converted.
 */
export async function prepareWorkflow(http: ComfyHttp, clock: Clock, req: WorkflowPrepRequest, label: string): Promise<PreparedWorkflow> {
  const objectInfo = req.objectInfo ?? (await fetchObjectInfo(http));
  const { workflow: base, converted, notes: conversionNotes } = toApi(req, objectInfo, label);
  const set = applySetAssignments(base, req.sets ?? [], objectInfo);
  const { workflow: placed, uploads } = await planUploads(set, objectInfo, req);
  const problems = preflightWorkflow(placed, objectInfo, { uploads: new Set(uploads.map((u) => u.fileName)) });
  if (problems.length > 0) throw badWorkflow(label, problems);
  if (req.dryRun === true || uploads.length === 0) {
    const planned = uploads.map((u) => ({
      kind: u.kind,
      source: u.source,
      sentName: u.fileName,
      serverName: u.fileName,
      bytes: u.bytes.byteLength,
      uploadMs: 0,
      nodeIds: u.nodeIds,
    }));
    return { workflow: placed, objectInfo, converted, conversionNotes, uploads: planned };
  }
  const done = await uploadInputs(http, clock, placed, uploads);
  return { workflow: done.workflow, objectInfo, converted, conversionNotes, uploads: done.records };
}

export function badWorkflow(label: string, problems: readonly PreflightProblem[]): ComfyloadError {
  const kinds = [...new Set(problems.map((p) => p.kind))].join(', ');
  return new ComfyloadError(
    'COMFYLOAD_ERR_BAD_WORKFLOW',
    `Workflow ${label} would be rejected by the server: ${problems.length} problem${problems.length === 1 ? '' : 's'} (${kinds}); nothing was sent to /prompt`,
    {
      hint:
        problems.length === 1
          ? problems[0]!.hint
          : 'fix each problem listed above (each line ends with its fix), then run again; `comfyload validate` checks without sending load.',
      details: problems.map(formatPreflightProblem),
    },
  );
}

function toApi(req: WorkflowPrepRequest, objectInfo: ObjectInfo, label: string): { workflow: ApiWorkflow; converted: boolean; notes: string[] } {
  if (req.ui === undefined) return { workflow: req.workflow ?? {}, converted: false, notes: [] };
  try {
    return { ...convertUiWorkflow(req.ui, objectInfo), converted: true };
  } catch (err) {
    if (!(err instanceof UiConversionError)) throw err;
    throw new ComfyloadError(
      'COMFYLOAD_ERR_WORKFLOW_UI_FORMAT',
      `Workflow ${label} is in ComfyUI's UI format (\`nodes\` and \`links\` arrays) and ${err.message.replace(/^the UI-format workflow /, '')}`,
      { hint: err.hint, details: err.details, cause: err },
    );
  }
}

/**
 * The uploads to make and the graph with the local file names in place: every `--input` goes to
 * the loaders it names (or every loader of its kind); a loader naming a file the server lacks
 * gets the local file of that name when there is one.
 */
async function planUploads(wf: ApiWorkflow, objectInfo: ObjectInfo, req: WorkflowPrepRequest): Promise<{ workflow: ApiWorkflow; uploads: InputUpload[] }> {
  const out = cloneWorkflow(wf);
  const uploads: InputUpload[] = [];
  const covered = new Set<string>();
  const loaders = Object.entries(out).filter(([, n]) => IMAGE_LOADERS[n.class_type] !== undefined);
  for (const input of req.inputs ?? []) {
    const flag = input.kind === 'image' ? '--input' : '--input-mask';
    const cls = input.kind === 'image' ? 'LoadImage' : 'LoadImageMask';
    const matches = loaders.filter(([id, n]) =>
      input.node === undefined ? IMAGE_LOADERS[n.class_type] === input.kind : id === input.node || n._meta?.title === input.node,
    );
    if (matches.length === 0 && req.inputsMayNotFit === true) continue;
    if (matches.length === 0) {
      throw new ComfyloadError(
        'COMFYLOAD_ERR_BAD_OPTION',
        input.node === undefined
          ? `${flag} ${input.source}: the workflow has no ${cls} node to take it`
          : `${flag} ${input.node}=${input.source}: no LoadImage or LoadImageMask node has the id or title ${JSON.stringify(input.node)}`,
        {
          hint: `loaders in this workflow: ${loaders.map(([id, n]) => `${id} (${n.class_type}${n._meta?.title !== undefined ? ` "${n._meta.title}"` : ''})`).join(', ') || 'none'}.`,
        },
      );
    }
    const nodeIds = matches.map(([id]) => id).filter((id) => !covered.has(id));
    for (const id of nodeIds) {
      covered.add(id);
      out[id]!.inputs.image = input.fileName;
    }
    uploads.push({ kind: input.kind, fileName: input.fileName, bytes: input.bytes, nodeIds, source: input.source });
  }
  if (req.findLocalInput !== undefined) {
    for (const [id, node] of loaders) {
      const name = node.inputs.image;
      if (covered.has(id) || typeof name !== 'string' || serverHas(objectInfo, node.class_type, name)) continue;
      const same = uploads.find((u) => u.fileName === name && u.kind === IMAGE_LOADERS[node.class_type]);
      if (same !== undefined) {
        same.nodeIds.push(id);
        continue;
      }
      const local = await req.findLocalInput(name);
      if (local === undefined) continue;
      uploads.push({ kind: IMAGE_LOADERS[node.class_type]!, fileName: name, bytes: local.bytes, nodeIds: [id], source: local.source });
    }
  }
  return { workflow: out, uploads };
}

function serverHas(objectInfo: ObjectInfo, classType: string, name: string): boolean {
  const spec = objectInfo[classType]?.input?.required?.image;
  const list = Array.isArray(spec) ? (Array.isArray(spec[0]) ? spec[0] : (spec[1] as { options?: unknown[] } | undefined)?.options) : undefined;
  return Array.isArray(list) && list.includes(name);
}
