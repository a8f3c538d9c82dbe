/**
 * Command-line parsing with yargs, driven by the options tables: yargs tokenises and renders
 * --help; validation, defaults and precedence stay with the tables (option-table.ts), so yargs is
 * given no defaults, types other than string/boolean, or choices of its own.
 */
import { createRequire } from 'node:module';

import type { Argv } from 'yargs';

import { ComfyloadError } from '../comfy/errors.js';
import { nearest } from './nearest.js';
import { kebabCase, type OptionDef, type OptionTable, optionDefs } from './option-table.js';
import { REPORT_OPTIONS } from './options-report.js';
import { CAPACITY_OPTIONS } from './options-capacity.js';
import { COMPARE_OPTIONS } from './options-compare.js';
import { PLAN_OPTIONS } from './options-plan.js';
import { RUN_OPTIONS } from './options-run.js';
import { SIM_OPTIONS } from './options-sim.js';
import { VALIDATE_OPTIONS } from './options-validate.js';
import { K6_BUNDLE_OPTIONS } from './options-k6-bundle.js';
import { IMPORT_K6_OPTIONS, MERGE_OPTIONS } from './options-merge.js';

/**
 * yargs' CommonJS build: its ESM build pairs with cliui's ESM build, which wraps --help text at the
 * column without regard for word boundaries ("writ-ten"); the CommonJS one wraps at spaces.
 */
const yargs = createRequire(import.meta.url)('yargs') as typeof import('yargs').default;

export const COMMANDS = {
  run: { table: RUN_OPTIONS, describe: 'Load-test a ComfyUI server (or the built-in emulator) at each concurrency level' },
  sim: { table: SIM_OPTIONS, describe: 'Start the ComfyUI emulator as a standalone server' },
  capacity: { table: CAPACITY_OPTIONS, describe: 'Find the highest arrival rate that meets every --slo (probe, geometric growth, bisection; open loop)' },
  validate: {
    table: VALIDATE_OPTIONS,
    describe: "Check a workflow against a server's /object_info (nodes, inputs, links, models, output node, cycles) without sending a prompt",
  },
  report: { table: REPORT_OPTIONS, describe: 'Render report.html again from a results folder, without re-running: `comfyload report <results-dir>`' },
  k6: {
    table: K6_BUNDLE_OPTIONS,
    describe:
      '`comfyload k6 bundle … --out dir/`: preflight against --url, then write the k6 scenario with its prepared plan, to run with k6 (or k6-operator) without comfyload',
  },
  'import-k6': {
    table: IMPORT_K6_OPTIONS,
    describe: "Turn k6's --out json output of comfyload's scenarios into a results folder: `comfyload import-k6 out.json[.gz] --out DIR`",
  },
  merge: {
    table: MERGE_OPTIONS,
    describe: 'Merge results folders of one plan run from several machines (histograms added, counts summed): `comfyload merge DIR DIR … --out DIR`',
  },
  compare: {
    table: COMPARE_OPTIONS,
    describe:
      'Compare results: `comfyload compare BASELINE CANDIDATE` (fingerprint diff, per-level verdicts with confidence intervals, gates: exit 1 on a significant regression), or `comfyload compare results/` for the GPU × model matrix',
  },
  plan: {
    table: PLAN_OPTIONS,
    describe:
      "How many GPUs for this traffic? `comfyload plan <results-dir> --rate 600/min --slo completionMs.p95<30000`: a fleet simulation fed by the run's measured service times",
  },
} as const;

export type CommandName = keyof typeof COMMANDS;

/**
 * What `comfyload` alone prints (exit 0): the commands and the quick start. Running a benchmark
 * takes `comfyload run`; a bare `comfyload` used to start one.
 */
export function usageText(columns = 100): string {
  const width = Math.max(60, Math.min(columns, 120));
  const names = Object.keys(COMMANDS);
  const pad = Math.max(...names.map((n) => n.length)) + 2;
  const lines = Object.entries(COMMANDS).map(([name, c]) => wrap(`  ${name.padEnd(pad)}${firstSentence(c.describe)}`, width, ' '.repeat(pad + 2)));
  return [
    'comfyload: load-test and benchmark ComfyUI GPU servers',
    '',
    'Usage: comfyload <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Quick start (the built-in emulator, no GPU needed, about 90 s):',
    '  comfyload run',
    'Against your server:',
    '  comfyload run --url http://127.0.0.1:8188 --workflow workflow_api.json -c 1,2,4 -n 20',
    '',
    'Options of a command: comfyload <command> --help. Full reference: docs/cli.md.',
    '',
  ].join('\n');
}

function firstSentence(text: string): string {
  const cut = text.search(/: `|\. /);
  return cut > 0 ? text.slice(0, cut) : text;
}

function wrap(text: string, width: number, indent: string): string {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/(?<=\S) (?=\S)/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      out.push(line);
      line = indent + word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  out.push(line);
  return out.join('\n');
}

export type ParsedArgv = { kind: 'output'; text: string } | { kind: 'command'; command: CommandName; flags: Record<string, unknown>; args?: string[] };

const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];
/** Keys yargs adds itself. */
const YARGS_KEYS = new Set(['_', '$0', 'help', 'version', 'h']);

/**
 * Parse argv: `--help`/`--version` give the text to print; otherwise the command and its flags,
 * keyed by camelCase option key. Unknown flags, commands and stray arguments throw BAD_OPTION
 * naming the nearest valid spelling.
 */
export function parseArgv(argv: readonly string[], version: string, columns = 100): ParsedArgv {
  let parseError: Error | undefined;
  let output = '';
  let parsed: Record<string, unknown> = {};
  // With a callback yargs parses synchronously; the returned value is not a pending promise.
  void buildYargs(version, columns).parse(argv[0] === 'compare' ? expandSideLists(argv) : [...argv], {}, (err, args, out) => {
    parseError = err ?? undefined;
    parsed = args as Record<string, unknown>;
    output = out;
  });
  if (parseError !== undefined) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', parseError.message, { hint: 'run `comfyload --help` for the valid flags.', cause: parseError });
  }
  // yargs renders --help and --version into `output` (and strips the keys with strip-aliased).
  if (output !== '') return { kind: 'output', text: output.endsWith('\n') ? output : `${output}\n` };

  const positionals = (parsed._ as unknown[]).map(String);
  const [first, ...rest] = positionals;
  const command: CommandName =
    first === undefined || first === 'run'
      ? 'run'
      : first === 'sim' ||
          first === 'report' ||
          first === 'validate' ||
          first === 'capacity' ||
          first === 'k6' ||
          first === 'import-k6' ||
          first === 'merge' ||
          first === 'compare' ||
          first === 'plan'
        ? first
        : unknownCommand(first);
  if (command === 'k6' && rest[0] !== 'bundle') {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', rest[0] === undefined ? 'Missing the k6 subcommand' : `Unknown k6 subcommand \`${rest[0]}\``, {
      hint: 'comfyload k6 bundle --url … --workflow … --out bundle/',
    });
  }
  // `report` and `plan` take the results folder as their one positional argument, `compare` up to two; import-k6 and merge take theirs.
  const args =
    command === 'report' || command === 'plan'
      ? rest.slice(0, 1)
      : command === 'compare'
        ? rest.slice(0, 2)
        : command === 'import-k6' || command === 'merge'
          ? rest
          : command === 'k6'
            ? rest.slice(0, 1)
            : [];
  const stray = rest[args.length];
  if (stray !== undefined) {
    throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', `Unexpected argument \`${stray}\` after \`comfyload ${command}\``, {
      hint: /\.json$/i.test(stray) ? `pass the workflow as --workflow ${stray}.` : `options start with --; see \`comfyload ${command} --help\`.`,
    });
  }
  const table = COMMANDS[command].table as OptionTable<Record<string, unknown>>;
  const keys = new Set(optionDefs(table).map((d) => d.key));
  const shorts = new Set(optionDefs(table).flatMap((d) => (d.short !== undefined ? [d.short] : [])));
  const flags: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (YARGS_KEYS.has(key) || shorts.has(key)) continue;
    if (keys.has(key)) flags[key] = value;
    else unknown.push(key);
  }
  if (unknown.length > 0) throw unknownFlags(command, unknown, optionDefs(table));
  return {
    kind: 'command',
    command,
    flags,
    ...(command === 'report' || command === 'plan' || command === 'import-k6' || command === 'merge' || command === 'compare' ? { args } : {}),
  };
}

/**
 * `compare --baseline a b c --candidate d e f`: the folders after a side's flag, up to the next
 * flag, belong to that side (yargs alone would take only the first and leave the rest as
 * positionals); rewritten as one flag per folder.
 */
export function expandSideLists(argv: readonly string[]): string[] {
  const out: string[] = [];
  let side: string | undefined;
  for (const token of argv) {
    if (token === '--baseline' || token === '--candidate') {
      side = token;
      continue;
    }
    if (token.startsWith('-')) side = undefined;
    if (side !== undefined) out.push(side, token);
    else out.push(token);
  }
  return out;
}

function unknownCommand(name: string): never {
  const near = nearest(name, COMMAND_NAMES, 1);
  throw new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', `Unknown command \`${name}\``, {
    hint:
      near[0] !== undefined
        ? `did you mean \`comfyload ${near[0]}\`?`
        : /\.json$/i.test(name)
          ? `pass the workflow as --workflow ${name}.`
          : `commands are ${COMMAND_NAMES.join(', ')}; see \`comfyload --help\`.`,
  });
}

/** Flags users bring from other load testers (k6, locust, wrk, hey, ab) and comfyload's spelling of each. */
const FOREIGN_FLAGS: Record<string, readonly string[]> = {
  '--out': ['--results-dir', '--out'],
  '--output': ['--results-dir', '--out'],
  '-o': ['--results-dir', '--out'],
  '--rps': ['--rate'],
  '--qps': ['--rate'],
  '--vus': ['--concurrency'],
  '--users': ['--concurrency'],
  '--iterations': ['--prompts'],
  '--requests': ['--prompts'],
  '--host': ['--url'],
  '--target': ['--url'],
};

/** The flag a misspelt or foreign one most likely meant, among this command's flags. */
function suggestion(flag: string, flags: readonly string[]): string | undefined {
  const foreign = FOREIGN_FLAGS[flag.toLowerCase()]?.find((f) => flags.includes(f));
  return foreign ?? nearest(flag, flags, 1)[0];
}

function unknownFlags(command: CommandName, keys: string[], defs: OptionDef<unknown>[]): ComfyloadError {
  const flags = defs.map((d) => d.flag);
  const lines = keys.map((key) => {
    const flag = key.length === 1 ? `-${key}` : `--${kebabCase(key)}`;
    const near = suggestion(flag, flags);
    return { flag, near, text: near !== undefined ? `\`${flag}\` (did you mean \`${near}\`?)` : `\`${flag}\`` };
  });
  const [only] = lines;
  if (only !== undefined && lines.length === 1) {
    return new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', `Unknown flag \`${only.flag}\` for \`comfyload ${command}\``, {
      hint: only.near !== undefined ? `did you mean \`${only.near}\`?` : `see \`comfyload ${command} --help\` for the valid flags.`,
    });
  }
  return new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', `Unknown flags for \`comfyload ${command}\`:`, {
    hint: `see \`comfyload ${command} --help\` for the valid flags.`,
    details: lines.map((l) => l.text),
  });
}

/** A fresh yargs instance per parse: yargs instances keep state between parses. */
function buildYargs(version: string, columns: number): Argv {
  return yargs()
    .scriptName('comfyload')
    .parserConfiguration({
      'camel-case-expansion': true,
      'strip-dashed': true,
      'dot-notation': false,
      'parse-numbers': false,
      'parse-positional-numbers': false,
      'boolean-negation': true,
      'duplicate-arguments-array': true,
      'greedy-arrays': false,
    })
    .command(['run', '$0'], COMMANDS.run.describe, (y) => withOptions(y, RUN_OPTIONS as OptionTable<Record<string, unknown>>))
    .command('sim', COMMANDS.sim.describe, (y) => withOptions(y, SIM_OPTIONS as OptionTable<Record<string, unknown>>))
    .command('capacity', COMMANDS.capacity.describe, (y) => withOptions(y, CAPACITY_OPTIONS as OptionTable<Record<string, unknown>>))
    .command('validate', COMMANDS.validate.describe, (y) => withOptions(y, VALIDATE_OPTIONS as OptionTable<Record<string, unknown>>))
    .command('report', COMMANDS.report.describe, (y) => withOptions(y, REPORT_OPTIONS as OptionTable<Record<string, unknown>>))
    .command('k6', COMMANDS.k6.describe, (y) => withOptions(y, K6_BUNDLE_OPTIONS as OptionTable<Record<string, unknown>>))
    .command('import-k6', COMMANDS['import-k6'].describe, (y) => withOptions(y, IMPORT_K6_OPTIONS as OptionTable<Record<string, unknown>>))
    .command('merge', COMMANDS.merge.describe, (y) => withOptions(y, MERGE_OPTIONS as OptionTable<Record<string, unknown>>))
    .command('compare', COMMANDS.compare.describe, (y) => withOptions(y, COMPARE_OPTIONS as OptionTable<Record<string, unknown>>))
    .command('plan', COMMANDS.plan.describe, (y) => withOptions(y, PLAN_OPTIONS as OptionTable<Record<string, unknown>>))
    .epilogue(
      'Every option can also be set by its environment variable (COMFYLOAD_<NAME>; COMFYLOAD_SIM_<NAME> for sim) or, for run, in a --config ' +
        'JSON/YAML file under its camelCase key. Precedence: flag > environment > config file > default. Full reference: docs/cli.md.',
    )
    .help()
    .alias('h', 'help')
    .version(version)
    .wrap(Math.max(60, Math.min(columns, 120)));
}

function withOptions(y: Argv, table: OptionTable<Record<string, unknown>>): Argv {
  for (const def of optionDefs(table)) {
    y.option(def.flag.slice(2), {
      type: def.kind === 'boolean' ? 'boolean' : 'string',
      describe: helpDescription(def),
      group: `${def.group}:`,
      ...(def.short !== undefined ? { alias: def.short } : {}),
      ...(helpDefault(def) !== undefined ? { defaultDescription: helpDefault(def) } : {}),
    });
  }
  return y;
}

/** The description as --help shows it: choices and repeatability are part of it. */
export function helpDescription(def: OptionDef<unknown>): string {
  const extras: string[] = [];
  if (def.choices) extras.push(`one of: ${def.choices.join(', ')}`);
  if (def.repeatable) extras.push('repeatable');
  return extras.length > 0 ? `${def.description} [${extras.join('; ')}]` : def.description;
}

export function helpDefault(def: OptionDef<unknown>): string | undefined {
  if (def.defaultText !== undefined) return def.defaultText;
  if (def.default === undefined || def.default === false) return undefined;
  return String(def.default);
}
