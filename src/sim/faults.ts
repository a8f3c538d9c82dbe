/**
 * Fault injection seam. The servers and the worker ask the {@link FaultPlan} at fixed points
 * ("an HTTP request arrived", "a node starts", "a ws frame is about to go out", "a progress step",
 * "a prompt finished"); a fault acts only where its point and target match, after its
 * `afterPrompts`, on every `every`-th opportunity or with its probability drawn from a seeded RNG,
 * at most `times` times — so a faulty run reproduces.
 *
 * | name | point | acts | defaults |
 * |---|---|---|---|
 * | `ws-drop` | ws frame out | terminates the socket instead of sending (client sees 1006) | `every=100` messages per socket |
 * | `ws-mute` | ws frame out | the socket goes silent but stays open — no frame, no pong, ever again (a half-open connection: a hung peer, a NAT that forgot the flow) | `every=100` messages per socket |
 * | `restart` | prompt done | queue, history, caches, models and sockets lost; port kept, closed (connections refused) for `down` ms × timeScale | `after=10` prompts, once (`every=N`: every N-th prompt), `down=0` |
 * | `http-500` | HTTP request | aiohttp's plain-text 500 | every matching request |
 * | `http-404` | HTTP request | aiohttp's plain-text 404, as a server without the route (an older ComfyUI, a proxy forwarding only part of the API) | every matching request |
 * | `slow-http` | HTTP request | delays the reply by `ms` × timeScale | `ms=1000` |
 * | `stall` | node start | no message for `ms` × timeScale after `executing` | `rate=0.2`, `ms=2000` |
 * | `stuck` | node start | the node never ends until interrupted | `rate=0.1` |
 * | `oom` | node start | `torch.OutOfMemoryError` (models unloaded, as upstream) | every matching node |
 * | `malformed` | ws frame out | a broken JSON text frame or an unknown binary frame before the real one | `rate=0.02` |
 * | `progress-storm` | progress step | `factor` progress messages per step (values scaled by it) | `factor=20` |
 */
import { SeededRng } from './rng.js';

/** Every fault name the emulator knows, in the order of the table above. */
export const FAULT_NAMES = [
  'ws-drop',
  'ws-mute',
  'restart',
  'http-500',
  'http-404',
  'slow-http',
  'stall',
  'stuck',
  'oom',
  'malformed',
  'progress-storm',
] as const;

/** The named faults the emulator takes. */
export type FaultName = (typeof FAULT_NAMES)[number];

export interface FaultSpec {
  name: FaultName;
  /** Probability per opportunity (`rate=` on the command line). Default per fault, see the table. */
  probability?: number;
  /** Route path (`/prompt`, matched with and without `/api`) or node class (`KSampler`); all when absent (`route=`, `node=`). */
  target?: string;
  /** Delay or duration in ms (unscaled: multiplied by timeScale) for slow-http / stall. */
  ms?: number;
  /** Act only once this many prompts have finished (`after=`; default 0, restart 10). */
  afterPrompts?: number;
  /** Act on every N-th opportunity instead of at random (ws-drop: per socket). */
  every?: number;
  /** progress-storm: messages per real step. */
  factor?: number;
  /** restart: how long the port stays closed, in ms (unscaled: multiplied by timeScale). */
  downMs?: number;
  /** Act at most this many times (restart without `every`: once). */
  times?: number;
}

/** Points where a fault can act. */
export type FaultPoint = 'http-request' | 'node-start' | 'ws-send' | 'progress' | 'prompt-done';

export const POINT_OF: Readonly<Record<FaultName, FaultPoint>> = {
  'ws-drop': 'ws-send',
  'ws-mute': 'ws-send',
  restart: 'prompt-done',
  'http-500': 'http-request',
  'http-404': 'http-request',
  'slow-http': 'http-request',
  stall: 'node-start',
  stuck: 'node-start',
  oom: 'node-start',
  malformed: 'ws-send',
  'progress-storm': 'progress',
};

/** What a spec means once its fault's defaults are applied. */
interface Effective {
  spec: FaultSpec;
  probability: number;
  every: number | undefined;
  afterPrompts: number;
  times: number;
}

function effective(spec: FaultSpec): Effective {
  let every = spec.every;
  let probability = spec.probability;
  let afterPrompts = spec.afterPrompts ?? 0;
  let times = spec.times ?? Infinity;
  switch (spec.name) {
    case 'ws-drop':
    case 'ws-mute':
      if (every === undefined && probability === undefined) every = 100;
      break;
    case 'restart':
      if (every === undefined && spec.afterPrompts === undefined && probability === undefined) afterPrompts = 10;
      if (every === undefined && spec.times === undefined) times = 1;
      break;
    case 'stall':
      probability ??= every === undefined ? 0.2 : 1;
      break;
    case 'stuck':
      probability ??= every === undefined ? 0.1 : 1;
      break;
    case 'malformed':
      probability ??= every === undefined ? 0.02 : 1;
      break;
    default:
      break;
  }
  return { spec, probability: probability ?? 1, every, afterPrompts, times };
}

/** True for the names of {@link FAULT_NAMES}. */
export function isFaultName(name: string): name is FaultName {
  return (FAULT_NAMES as readonly string[]).includes(name);
}

export class FaultPlan {
  readonly #specs: FaultSpec[];
  readonly #eff: Effective[];
  readonly #rng: SeededRng;
  readonly #promptsDone: () => number;
  readonly #fired = new Map<Effective, number>();
  /** Opportunities seen per spec, globally or per scope (a socket). */
  readonly #seen = new Map<Effective, number>();
  readonly #seenIn = new WeakMap<object, Map<Effective, number>>();

  constructor(specs: FaultSpec[], seed = 1, promptsDone: () => number = () => 0) {
    this.#specs = [...specs];
    this.#eff = this.#specs.map(effective);
    this.#rng = new SeededRng(seed + 7919);
    this.#promptsDone = promptsDone;
  }

  get specs(): readonly FaultSpec[] {
    return this.#specs;
  }

  /** True when some fault can act at `point` (lets hot paths skip the call). */
  has(point: FaultPoint): boolean {
    return this.#eff.some((e) => POINT_OF[e.spec.name] === point);
  }

  /** Times each fault has acted so far, by name. */
  counts(): Partial<Record<FaultName, number>> {
    const out: Partial<Record<FaultName, number>> = {};
    for (const [e, n] of this.#fired) out[e.spec.name] = (out[e.spec.name] ?? 0) + n;
    return out;
  }

  /**
   * The faults that fire now at `point` for `target` (route path or node class). `scope` keeps
   * the `every` count apart per object (each socket counts its own messages).
   */
  at(point: FaultPoint, target: string, scope?: object): FaultSpec[] {
    if (this.#eff.length === 0) return [];
    const bare = target.startsWith('/api/') ? target.slice(4) : target;
    const out: FaultSpec[] = [];
    for (const e of this.#eff) {
      const s = e.spec;
      if (POINT_OF[s.name] !== point) continue;
      if (s.target !== undefined && s.target !== target && s.target !== bare) continue;
      if (this.#promptsDone() < e.afterPrompts) continue;
      const fired = this.#fired.get(e) ?? 0;
      if (fired >= e.times) continue;
      if (e.every !== undefined) {
        const seen = this.#countIn(e, scope);
        if (seen % e.every !== 0) continue;
      }
      if (e.probability < 1 && this.#rng.next() >= e.probability) continue;
      this.#fired.set(e, fired + 1);
      out.push(s);
    }
    return out;
  }

  #countIn(e: Effective, scope: object | undefined): number {
    let map = this.#seen;
    if (scope !== undefined) {
      let m = this.#seenIn.get(scope);
      if (m === undefined) {
        m = new Map();
        this.#seenIn.set(scope, m);
      }
      map = m;
    }
    const n = (map.get(e) ?? 0) + 1;
    map.set(e, n);
    return n;
  }
}

/** `name` or `name:key=value,…` keys as the command line spells them, and the FaultSpec field each sets. */
const KEY_ALIASES: Readonly<Record<string, keyof Omit<FaultSpec, 'name'>>> = {
  probability: 'probability',
  rate: 'probability',
  target: 'target',
  route: 'target',
  node: 'target',
  ms: 'ms',
  afterPrompts: 'afterPrompts',
  after: 'afterPrompts',
  every: 'every',
  factor: 'factor',
  times: 'times',
  down: 'downMs',
  downMs: 'downMs',
};

/** The keys a fault text may carry, for messages. */
export const FAULT_KEYS = Object.keys(KEY_ALIASES);

/**
 * Parses one `--fault` value: one or more faults separated by commas, each `name` or
 * `name:key=value` followed by more `key=value` — `ws-drop:every=50,http-500:rate=0.05,route=/prompt`.
 * Returns the specs, or a one-line reason the text is not valid.
 */
export function parseFaultText(text: string): FaultSpec[] | { error: string } {
  const specs: FaultSpec[] = [];
  for (const rawPart of text.split(',')) {
    const part = rawPart.trim();
    if (part === '') continue;
    const colon = part.indexOf(':');
    const eq = part.indexOf('=');
    let pair = part;
    if (eq < 0 || (colon >= 0 && colon < eq)) {
      const name = colon >= 0 ? part.slice(0, colon) : part;
      if (!isFaultName(name)) return { error: `unknown fault \`${name}\` (known: ${FAULT_NAMES.join(', ')})` };
      specs.push({ name });
      if (colon < 0) continue;
      pair = part.slice(colon + 1);
    }
    const spec = specs[specs.length - 1];
    if (spec === undefined) return { error: `\`${part}\` comes before any fault name` };
    const at = pair.indexOf('=');
    const key = pair.slice(0, at).trim();
    const value = pair.slice(at + 1).trim();
    const field = Object.hasOwn(KEY_ALIASES, key) ? KEY_ALIASES[key] : undefined;
    if (at < 0 || field === undefined) return { error: `unknown key \`${key || pair}\` (keys: ${FAULT_KEYS.join(', ')})` };
    if (value === '') return { error: `\`${key}\` has no value` };
    if (field === 'target') {
      spec.target = value;
      continue;
    }
    const n = Number(value);
    const integer = field === 'afterPrompts' || field === 'every' || field === 'times';
    if (
      !Number.isFinite(n) ||
      n < 0 ||
      (field === 'probability' && n > 1) ||
      (integer && !Number.isInteger(n)) ||
      ((field === 'every' || field === 'factor') && n < 1)
    ) {
      const want = field === 'probability' ? 'a number from 0 to 1' : integer ? 'an integer >= 0' : field === 'factor' ? 'a number >= 1' : 'a number >= 0';
      return { error: `\`${key}\` must be ${want}, got \`${value}\`` };
    }
    spec[field] = n;
  }
  if (specs.length === 0) return { error: 'no fault name' };
  return specs;
}

/** The command-line keys of each FaultSpec field, in the order {@link formatFault} writes them. */
const FIELD_KEYS: readonly [keyof Omit<FaultSpec, 'name'>, string][] = [
  ['target', 'target'],
  ['probability', 'rate'],
  ['every', 'every'],
  ['afterPrompts', 'after'],
  ['ms', 'ms'],
  ['factor', 'factor'],
  ['downMs', 'down'],
  ['times', 'times'],
];

/** One fault as `--sim-fault` spells it (`ws-drop:every=50`), read back to the same spec by {@link parseFaultText}. */
export function formatFault(spec: FaultSpec): string {
  const pairs = FIELD_KEYS.filter(([field]) => spec[field] !== undefined).map(([field, key]) => `${key}=${String(spec[field])}`);
  return pairs.length > 0 ? `${spec.name}:${pairs.join(',')}` : spec.name;
}
