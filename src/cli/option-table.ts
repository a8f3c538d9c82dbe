/**
 * The machinery of the options tables (`options-run.ts`, `options-sim.ts`): one declaration per
 * option drives its flag, config-file key, environment variable, default, `--help` line and
 * docs/cli.md row; `resolveOptions` applies the precedence flag > env > config file > default and
 * validates every value before anything is sent.
 *
 * Like vitest's cli-config.ts, a table is typed from the values it produces: every key of the
 * values type must have a spec, so a value cannot exist without its flag, env var and docs.
 */
import { dirname } from 'node:path';

import { ComfyloadError } from '../comfy/errors.js';
import { throwProblems, type Resolved, type Source } from '../session/plan-values.js';

export type OptionKind = 'string' | 'path' | 'number' | 'integer' | 'boolean' | 'number-list' | 'repeatable' | 'enum' | 'duration';

/** What a parser knows about the raw value it is given, to name it in messages and resolve paths. */
export interface ParseContext {
  /** The value's name as the user wrote it: `--concurrency`, `COMFYLOAD_CONCURRENCY`, `concurrency` in ./c.yaml. */
  name: string;
  source: Source;
  /** The right spelling of this option, for this source, with the given value (for "Fix: e.g. …"). */
  example: (value: string) => string;
  /** Relative paths resolve against this folder: the cwd, or the config file's folder. */
  baseDir: string;
}

export interface OptionSpec<V> {
  kind: OptionKind;
  /** One sentence for --help and docs/cli.md. */
  description: string;
  /** Heading in --help and docs/cli.md. */
  group: string;
  /**
   * The default, declared here and nowhere else, written as a user would type it after the flag
   * (`'1,2,4'`, `'10m'`); it goes through `parse` like any value. Absent: unset unless given.
   */
  default?: string | number | boolean;
  /** For defaults decided at run time (shown in --help and docs instead of `default`). */
  defaultText?: string;
  choices?: readonly string[];
  /** A valid raw value, as typed after the flag; used in help, docs and "Fix: e.g." hints. */
  example: string;
  /** May be given several times (`--label a=1 --label b=2`). */
  repeatable?: boolean;
  /** A one-letter alias (`-c` for --concurrency): the common flags only. */
  short?: string;
  /** Values are never echoed (messages say how long the value was instead). */
  secret?: boolean;
  /** Separator of several values in one environment variable (repeatable options). Default: comma. */
  envSeparator?: string;
  /** `false`: no config-file key (e.g. --config itself). */
  config?: false;
  /** `false`: no environment variable; a string: this name instead of the derived one. */
  env?: false | string;
  /** Validate and convert a raw value (string from flags and env, any JSON/YAML value from config). Throws ComfyloadError. */
  parse: (raw: unknown, ctx: ParseContext) => V;
}

/** A spec with its derived names: flag `--kebab-case`, config key camelCase, env `PREFIX_UPPER_SNAKE`. */
export interface OptionDef<V> extends OptionSpec<V> {
  key: string;
  flag: string;
  configKey: string | null;
  envVar: string | null;
}

export type OptionSpecs<T> = { [K in keyof T]-?: OptionSpec<NonNullable<T[K]>> };
export type OptionTable<T> = { readonly [K in keyof T]-?: OptionDef<NonNullable<T[K]>> };

/**
 * Build a table from specs keyed by camelCase config key. Flag and env names are derived from the
 * key, not declared beside it, so the three spellings of one option cannot drift apart.
 */
export function defineOptions<T>(envPrefix: string, specs: OptionSpecs<T>): OptionTable<T> {
  const table = {} as Record<string, OptionDef<unknown>>;
  for (const [key, spec] of Object.entries(specs) as [string, OptionSpec<unknown>][]) {
    table[key] = Object.freeze({
      ...spec,
      key,
      flag: `--${kebabCase(key)}`,
      configKey: spec.config === false ? null : key,
      envVar: spec.env === false ? null : (spec.env ?? `${envPrefix}${kebabCase(key).replaceAll('-', '_').toUpperCase()}`),
    });
  }
  return Object.freeze(table) as unknown as OptionTable<T>;
}

export function optionDefs<T>(table: OptionTable<T>): OptionDef<unknown>[] {
  return Object.values(table) as OptionDef<unknown>[];
}

export function kebabCase(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function camelCase(kebab: string): string {
  return kebab.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A parsed config file: its values keyed by camelCase key, and where it lives. */
export interface ConfigValues {
  /** The file (relative paths in it resolve from its folder). */
  path: string;
  values: Record<string, unknown>;
  /** How messages name the source, when it is not a file (`run() options`). Default: the path. */
  label?: string;
}

export interface OptionSources {
  /** Flag values as parsed by yargs, keyed by camelCase key (absent: not given). */
  flags: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  config?: ConfigValues;
  cwd: string;
}

/**
 * Resolve every option of a table with precedence flag > env > config > default, validating all
 * of them; every problem is reported at once (in `details`), not one per attempt.
 */
export function resolveOptions<T>(table: OptionTable<T>, sources: OptionSources): Resolved<T> {
  const values: Record<string, unknown> = {};
  const from: Record<string, Source> = {};
  const names: Record<string, string> = {};
  const problems: ComfyloadError[] = [];
  for (const def of optionDefs(table)) {
    const picked = pickRaw(def, sources);
    from[def.key] = picked.source;
    names[def.key] = picked.ctx.name;
    if (picked.source === 'default' && def.default === undefined) {
      values[def.key] = undefined;
      continue;
    }
    try {
      values[def.key] = def.parse(picked.raw, picked.ctx);
    } catch (err) {
      if (!(err instanceof ComfyloadError)) throw err;
      problems.push(err);
    }
  }
  throwProblems(problems);
  return { values, sources: from, names } as unknown as Resolved<T>;
}

interface Picked {
  source: Source;
  raw: unknown;
  ctx: ParseContext;
}

function pickRaw(def: OptionDef<unknown>, sources: OptionSources): Picked {
  const flagValue = sources.flags[def.key];
  if (flagValue !== undefined) {
    return {
      source: 'flag',
      raw: flagValue,
      ctx: { name: def.flag, source: 'flag', baseDir: sources.cwd, example: (v) => `${def.flag} ${shellQuote(v)}` },
    };
  }
  const envVar = def.envVar;
  const envValue = envVar === null ? undefined : sources.env[envVar];
  if (envVar !== null && envValue !== undefined && envValue !== '') {
    const raw = def.repeatable
      ? envValue
          .split(def.envSeparator ?? ',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
      : envValue;
    return {
      source: 'env',
      raw,
      ctx: { name: envVar, source: 'env', baseDir: sources.cwd, example: (v) => `${envVar}=${shellQuote(v)}` },
    };
  }
  const config = sources.config;
  if (def.configKey !== null && config !== undefined && config.values[def.configKey] !== undefined) {
    const key = def.configKey;
    return {
      source: 'config',
      raw: config.values[key],
      ctx: {
        name: key,
        source: 'config',
        baseDir: dirname(config.path),
        example: (v) => `${key}: ${configLiteral(def, v)} (in ${config.label ?? config.path})`,
      },
    };
  }
  return {
    source: 'default',
    raw: def.default,
    ctx: { name: `default of ${def.flag}`, source: 'default', baseDir: sources.cwd, example: (v) => `${def.flag} ${shellQuote(v)}` },
  };
}

/** How an example value is written in a YAML config file. */
function configLiteral(def: OptionDef<unknown>, value: string): string {
  switch (def.kind) {
    case 'number-list':
      return `[${value.split(',').join(', ')}]`;
    case 'number':
    case 'integer':
    case 'boolean':
      return value;
    default:
      return def.repeatable ? `[${JSON.stringify(value)}]` : JSON.stringify(value);
  }
}

/** `value` as typed in a POSIX shell: quoted only when it needs to be. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
