/**
 * `--set path=value` with the value typed by the node's `/object_info` declaration: `30` becomes
 * the number 30 for an INT input, `true` a boolean for BOOLEAN, text stays text for STRING, and an
 * enum value must be one the server lists. Without a declaration (an unknown class, or no
 * `/object_info` yet) the input's current value decides the type.
 */
import { ComfyPathError } from './errors.js';
import type { ApiWorkflow, InputValue, ObjectInfo } from './http-types.js';
import { findInput, nodeInfo } from './input-spec.js';
import { closest } from './preflight.js';
import { isLink, resolveSetPath, setInput } from './workflow.js';

/** One `--set` as given: the path and the raw text after `=`. */
export interface SetAssignment {
  path: string;
  value: string;
}

/** Splits `KSampler.steps=30` at the first `=` after the path; throws BAD_SET_PATH without one. */
export function parseSetAssignment(text: string): SetAssignment {
  const eq = text.indexOf('=');
  if (eq <= 0) {
    throw new ComfyPathError(
      'COMFYLOAD_ERR_BAD_SET_PATH',
      text,
      `Expected --set <path>=<value> like "KSampler.steps=30" or "title:Positive.text=a red fox", got ${JSON.stringify(text)}`,
    );
  }
  return { path: text.slice(0, eq).trim(), value: text.slice(eq + 1) };
}

/**
 * The raw text converted for every node the path matches (they must agree on the type). Throws
 * {@link ComfyPathError} `COMFYLOAD_ERR_BAD_SET_VALUE` when the text does not fit the type.
 */
export function typeSetValue(wf: ApiWorkflow, path: string, raw: string, objectInfo?: ObjectInfo): InputValue {
  const { nodeIds, input } = resolveSetPath(wf, path);
  let typed: InputValue | undefined;
  for (const id of nodeIds) {
    const node = wf[id]!;
    const info = objectInfo !== undefined ? nodeInfo(objectInfo, node.class_type) : undefined;
    const decl = info !== undefined ? findInput(info, input) : undefined;
    const bad = (what: string, fix: string): never => {
      throw new ComfyPathError(
        'COMFYLOAD_ERR_BAD_SET_VALUE',
        path,
        `--set ${path}=${raw}: node "${id}" (${node.class_type}) input ${input} takes ${what}, got ${JSON.stringify(raw)}; ${fix}`,
      );
    };
    let value: InputValue;
    if (decl?.choices !== undefined) {
      const match = decl.choices.find((c) => String(c) === raw);
      if (match === undefined && decl.options.image_upload !== true) {
        const near = closest(raw, decl.choices.map(String));
        bad(
          `one of the server's ${decl.choices.length} values`,
          near !== undefined
            ? `did you mean ${JSON.stringify(near)}?`
            : `the server lists ${decl.choices
                .slice(0, 8)
                .map((c) => JSON.stringify(c))
                .join(', ')}${decl.choices.length > 8 ? ', …' : ''}.`,
        );
      }
      value = (match ?? raw) as InputValue;
    } else {
      const type = decl?.type ?? typeOfCurrent(node.inputs[input]);
      value = convert(type, raw, bad);
    }
    if (typed !== undefined && JSON.stringify(typed) !== JSON.stringify(value)) {
      throw new ComfyPathError(
        'COMFYLOAD_ERR_BAD_SET_VALUE',
        path,
        `--set ${path}=${raw}: the matched nodes take different types for ${input}; name one node by id (e.g. --set ${id}.${input}=${raw})`,
      );
    }
    typed = value;
  }
  return typed as InputValue;
}

/**
 * The `--set` paths a path stands for: itself, or for a bare input name (`steps`, as `--matrix`
 * keys are written) one `id:<node>.<input>` path per node with a literal input of that name.
 */
export function expandSetPath(wf: ApiWorkflow, path: string): string[] {
  if (path.includes('.')) return [path];
  const ids = Object.keys(wf).filter((id) => {
    const inputs = wf[id]!.inputs ?? {};
    return Object.prototype.hasOwnProperty.call(inputs, path) && !isLink(inputs[path]);
  });
  if (ids.length === 0) {
    throw new ComfyPathError(
      'COMFYLOAD_ERR_SET_PATH_NO_MATCH',
      path,
      `--set ${path}: no node of the workflow has a literal input ${JSON.stringify(path)}; name the node too, e.g. "KSampler.${path}" or "3.${path}"`,
    );
  }
  return ids.map((id) => `id:${id}.${path}`);
}

/** Applies every assignment in order, each typed by `objectInfo`; returns a new graph. */
export function applySetAssignments(wf: ApiWorkflow, sets: readonly SetAssignment[], objectInfo?: ObjectInfo): ApiWorkflow {
  let out = wf;
  for (const s of sets) {
    for (const path of expandSetPath(out, s.path)) out = setInput(out, path, typeSetValue(out, path, s.value, objectInfo));
  }
  return out;
}

function typeOfCurrent(value: InputValue | undefined): string {
  // `8` may be an INT or a FLOAT written without decimals: without the schema, any number fits.
  if (typeof value === 'number') return 'NUMBER';
  if (typeof value === 'boolean') return 'BOOLEAN';
  if (isLink(value)) return 'LINK';
  return 'STRING';
}

function convert(type: string, raw: string, bad: (what: string, fix: string) => never): InputValue {
  const text = raw.trim();
  switch (type) {
    case 'INT': {
      if (!/^[+-]?\d+$/.test(text)) bad('an integer', 'e.g. 30.');
      const n = Number(text);
      if (!Number.isSafeInteger(n)) bad('an integer up to 2^53-1', 'choose a smaller value.');
      return n;
    }
    case 'NUMBER':
    case 'FLOAT': {
      const n = text === '' ? Number.NaN : Number(text);
      if (!Number.isFinite(n)) bad('a number', 'e.g. 7.5.');
      return n;
    }
    case 'BOOLEAN': {
      const v = text.toLowerCase();
      if (v === 'true' || v === '1' || v === 'yes' || v === 'on') return true;
      if (v === 'false' || v === '0' || v === 'no' || v === 'off') return false;
      return bad('true or false', 'e.g. true.');
    }
    case 'LINK':
      return bad('a link to another node', 'an input linked in the graph cannot be set to a literal; set the source node instead.');
    case 'STRING':
      return raw;
    default:
      return bad(`a ${type} link`, 'only literal inputs (numbers, text, booleans, enums) can be set.');
  }
}
