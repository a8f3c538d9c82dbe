/**
 * Reads a --config file: JSON (`.json`) or YAML (anything else; YAML also reads JSON). Its keys are
 * the camelCase names of the command's options; an unknown key is an error that names the nearest
 * valid keys, so a typo never silently falls back to a default.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';

import { ComfyloadError } from '../comfy/errors.js';
import { jsonErrorPosition, jsonErrorReason } from '../comfy/json-position.js';
import { nearest } from './nearest.js';
import { type ConfigValues, type OptionTable, optionDefs } from './option-table.js';

/** Config files are a few hundred bytes; anything this big is the wrong file. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/** Read and parse `path` (absolute) and check its keys against `table`. */
export async function loadConfigFile<T>(path: string, table: OptionTable<T>): Promise<ConfigValues> {
  let buffer: Buffer;
  try {
    buffer = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder' : `cannot be read (${code ?? String(err)})`;
    throw new ComfyloadError('COMFYLOAD_ERR_CONFIG_NOT_FOUND', `Config file ${path} ${why}`, {
      hint: 'check the path given to --config (or COMFYLOAD_CONFIG); relative paths start from the current directory.',
      cause: err,
    });
  }
  if (buffer.byteLength > MAX_CONFIG_BYTES) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_CONFIG', `Config file ${path} is ${buffer.byteLength} bytes; a config file is at most ${MAX_CONFIG_BYTES}`, {
      hint: 'point --config at the JSON or YAML file of options, not at a workflow or results file.',
    });
  }
  const text = buffer.toString('utf8').replace(/^\uFEFF/, '');
  const values = extname(path).toLowerCase() === '.json' ? parseJsonConfig(path, text) : parseYamlConfig(path, text);
  checkConfigKeys(`config file ${path}`, values, table);
  return { path, values };
}

export function parseJsonConfig(path: string, text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const { line, column } = jsonErrorPosition(err, text);
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_CONFIG', `Config file ${path} is not valid JSON at line ${line}, column ${column}: ${jsonErrorReason(err)}`, {
      hint: 'fix the JSON at that position (a trailing comma or a missing quote is the usual cause), or write the file in YAML.',
      cause: err,
    });
  }
  return asMapping(path, parsed);
}

export function parseYamlConfig(path: string, text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    if (!(err instanceof YAMLParseError)) throw err;
    const [line, column] = err.linePos?.[0] ? [err.linePos[0].line, err.linePos[0].col] : [1, 1];
    const firstLine = (err.message.split('\n', 1)[0] ?? err.message).replace(/ at line \d+, column \d+:?$/, '');
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_CONFIG', `Config file ${path} is not valid YAML at line ${line}, column ${column}: ${firstLine}`, {
      hint: 'fix the YAML at that position; each option is a `key: value` line, lists are written [1, 2, 4].',
      cause: err,
    });
  }
  return asMapping(path, parsed ?? {});
}

function asMapping(path: string, parsed: unknown): Record<string, unknown> {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ComfyloadError(
      'COMFYLOAD_ERR_BAD_CONFIG',
      `Config file ${path} must hold a mapping of option keys to values, got ${Array.isArray(parsed) ? 'a list' : typeof parsed}`,
      {
        hint: 'write one `key: value` per option, e.g. `concurrency: [1, 2, 4]`.',
      },
    );
  }
  return parsed as Record<string, unknown>;
}

/** Every key must be an option's config key; `where` names the source in the message (`config file x.yaml`, `run() options`). */
export function checkConfigKeys<T>(where: string, values: Record<string, unknown>, table: OptionTable<T>): void {
  const valid = optionDefs(table).flatMap((d) => (d.configKey === null ? [] : [d.configKey]));
  const details: string[] = [];
  for (const key of Object.keys(values)) {
    if (valid.includes(key)) continue;
    const near = nearest(key, valid);
    details.push(near.length > 0 ? `\`${key}\`: did you mean ${near.map((n) => `\`${n}\``).join(' or ')}?` : `\`${key}\`: not an option`);
  }
  if (details.length === 0) return;
  const [only] = details;
  throw new ComfyloadError('COMFYLOAD_ERR_BAD_CONFIG', details.length === 1 ? `Unknown key in ${where}: ${only}` : `Unknown keys in ${where}:`, {
    hint: `use only these keys: ${valid.join(', ')}.`,
    ...(details.length > 1 ? { details } : {}),
  });
}
