/**
 * How the ComfyUI editor (ComfyUI_frontend) lays out a node's widgets and reads them back from a
 * saved `widgets_values` array, so a UI-format file converts to what the editor would send.
 *
 * The editor makes one widget per literal input, in `/object_info` order (`input_order`, required
 * then optional), and some widgets the server never sees but the file still stores by position:
 * the "control after generate" combo after every INT that `/object_info` marks
 * `control_after_generate` (or, unmarked, is named `seed` or `noise_seed`) and after a FLOAT or
 * COMBO so marked (a COMBO gets a filter-list text as well), and the upload button of media
 * loaders, after all other widgets. Values are then assigned by position (litegraph's
 * `LGraphNode.configure`), so a file whose layout matches is read exactly as the editor reads it.
 *
 * Files of older editors differ in two known ways, told apart by type: the control value was a
 * boolean (`[seed, true, 20, …]`, still one slot), and very old files have no control slot at all
 * (`[seed, 20, …]`): when the values are fewer than the slots, a slot the editor adds is taken
 * only if the value there looks like one of its values or cannot be the next widget's. Widgets
 * without a value keep the default the editor gives a new node, and the caller says so.
 */
import type { InputValue, NodeInfo } from './http-types.js';
import { type InputDecl, inputDecls, isWidget, PRIMITIVE_TYPES } from './input-spec.js';

/** One position of `widgets_values`: a widget sent to the server, or one only the editor has. */
export type WidgetSlot = { kind: 'widget'; decl: InputDecl } | { kind: 'control' | 'filter' | 'upload'; of: string };

/** The values the editor's control combo takes (`increment-wrap` only after a COMBO). */
const CONTROL_VALUES: ReadonlySet<unknown> = new Set(['fixed', 'increment', 'decrement', 'randomize', 'increment-wrap']);
/** The frontend's guess for INT inputs that do not say: these two names get a control widget. */
const SEED_NAMES: ReadonlySet<string> = new Set(['seed', 'noise_seed']);
/** Loaders the frontend gives an upload button even when the combo lacks the `*_upload` flag. */
const MEDIA_LOADER_INPUTS: Readonly<Record<string, string>> = { LoadImage: 'image', LoadImageMask: 'image', LoadVideo: 'file', LoadAudio: 'audio' };
const UPLOAD_FLAGS = ['image_upload', 'animated_image_upload', 'video_upload', 'audio_upload'] as const;

/** Whether the editor adds a "control after generate" combo after this widget. */
function hasControl(decl: InputDecl): boolean {
  const flag = decl.options.control_after_generate;
  if (decl.type === 'INT') return flag === undefined || flag === null ? SEED_NAMES.has(decl.name) : Boolean(flag);
  return (decl.type === 'FLOAT' || decl.type === 'COMBO') && Boolean(flag);
}

/** A class's widgets as the editor creates them. */
export interface WidgetLayout {
  /** The positions of `widgets_values`. */
  slots: WidgetSlot[];
  /** Inputs with a widget or `forceInput`, for the frontend's migration of very old files. */
  legacy: { forceInput: boolean; slots: number }[];
}

/** The widget layout of a node of this class. */
export function widgetLayout(info: NodeInfo, classType: string): WidgetLayout {
  const decls = inputDecls(info);
  const slots: WidgetSlot[] = [];
  const legacy: WidgetLayout['legacy'] = [];
  let upload: string | undefined;
  for (const decl of decls) {
    if (!isWidget(decl)) {
      if (decl.options.forceInput === true && (PRIMITIVE_TYPES.has(decl.type) || decl.type === 'COMBO')) legacy.push({ forceInput: true, slots: 1 });
      continue;
    }
    // The migration counts two values for any marked or seed-named input, as the frontend does.
    legacy.push({ forceInput: false, slots: Boolean(decl.options.control_after_generate) || SEED_NAMES.has(decl.name) ? 2 : 1 });
    slots.push({ kind: 'widget', decl });
    if (hasControl(decl)) {
      slots.push({ kind: 'control', of: decl.name });
      if (decl.type === 'COMBO' && decl.options.multi_select !== true) slots.push({ kind: 'filter', of: decl.name });
    }
    const media = decl.type === 'COMBO' && decl.section === 'required';
    if (media && upload === undefined && (UPLOAD_FLAGS.some((f) => Boolean(decl.options[f])) || MEDIA_LOADER_INPUTS[classType] === decl.name))
      upload = decl.name;
  }
  if (upload !== undefined) {
    // The upload input is added to `required` after the server's inputs: without `input_order`
    // its button follows the required widgets, with it (every current server) it comes last.
    const at = info.input_order === undefined ? lastRequiredSlot(slots) + 1 : slots.length;
    slots.splice(at, 0, { kind: 'upload', of: upload });
  }
  return { slots, legacy };
}

/** Index of the last slot of a required widget (its own editor-only slots included). */
function lastRequiredSlot(slots: readonly WidgetSlot[]): number {
  let last = -1;
  let required = false;
  slots.forEach((s, i) => {
    if (s.kind === 'widget') required = s.decl.section === 'required';
    if (required) last = i;
  });
  return last;
}

/** What the editor puts in a widget of a new node (the `use*Widget` constructors' defaults). */
export function widgetDefault(decl: InputDecl): InputValue | undefined {
  const given = decl.options.default;
  if (decl.type === 'COMBO')
    return (given !== undefined && given !== null && given !== '' && given !== 0 ? given : decl.choices?.[0]) as InputValue | undefined;
  if (given !== undefined) return given as InputValue;
  return ({ INT: 0, FLOAT: 0, STRING: '', BOOLEAN: false } as Record<string, InputValue>)[decl.type];
}

/** Whether a saved value can be this widget's (used only to tell a missing editor-only slot). */
function fits(decl: InputDecl, value: unknown): boolean {
  switch (decl.type) {
    case 'INT':
    case 'FLOAT':
      return typeof value === 'number';
    case 'BOOLEAN':
      return typeof value === 'boolean';
    case 'STRING':
      return typeof value === 'string';
    case 'COMBO':
      return (decl.choices ?? []).includes(value) || typeof value === 'string' || typeof value === 'number';
    default:
      return true;
  }
}

function looksLike(kind: Exclude<WidgetSlot['kind'], 'widget'>, value: unknown): boolean {
  if (value === null) return true;
  if (kind === 'control') return typeof value === 'boolean' || CONTROL_VALUES.has(value);
  if (kind === 'filter') return value === '';
  return value === 'image';
}

export interface ReadWidgets {
  /** Widget name → value, for every widget that has one (saved or default). */
  values: Record<string, InputValue>;
  /** Widgets that took the editor's default because the file has no value for them. */
  defaulted: string[];
}

/**
 * The widget values of one node from its saved `widgets_values` (array, or an object by name as
 * some custom nodes save them), or from the defaults when it has none.
 */
export function readWidgetValues(layout: WidgetLayout, saved: unknown): ReadWidgets {
  const { slots } = layout;
  const out: ReadWidgets = { values: {}, defaulted: [] };
  const widgets = slots.flatMap((s) => (s.kind === 'widget' ? [s.decl] : []));
  if (saved !== null && typeof saved === 'object' && !Array.isArray(saved)) {
    const byName = saved as Record<string, unknown>;
    for (const decl of widgets) {
      if (Object.prototype.hasOwnProperty.call(byName, decl.name)) out.values[decl.name] = byName[decl.name] as InputValue;
      else setDefault(out, decl);
    }
    return out;
  }
  const values = Array.isArray(saved) ? migrateForceInputValues(layout, saved as unknown[]) : [];
  // A file with a value for every slot is read by position, as the editor does; only a shorter
  // one (an older editor's) needs telling which editor-only slots it has.
  const positional = values.length >= slots.length;
  let i = 0;
  slots.forEach((slot, k) => {
    if (slot.kind === 'widget') {
      if (i < values.length) out.values[slot.decl.name] = wrap(values[i++]);
      else setDefault(out, slot.decl);
      return;
    }
    if (i >= values.length) return;
    const next = slots.slice(k + 1).find((s): s is Extract<WidgetSlot, { kind: 'widget' }> => s.kind === 'widget');
    if (positional || looksLike(slot.kind, values[i]) || next === undefined || !fits(next.decl, values[i])) i++;
  });
  return out;
}

function setDefault(out: ReadWidgets, decl: InputDecl): void {
  const value = widgetDefault(decl);
  if (value === undefined) return;
  out.values[decl.name] = value;
  out.defaulted.push(decl.name);
}

/** Array values would read as links: the editor wraps them (the server unwraps `__value__`). */
function wrap(value: unknown): InputValue {
  return (Array.isArray(value) ? { __value__: value } : value) as InputValue;
}

/**
 * The frontend's `migrateWidgetsValues`: files saved before widgets could become inputs kept a
 * value for every `forceInput` input too. When the count matches that old layout, the values at
 * those inputs' positions are dropped (by input index, as the frontend pairs them).
 */
function migrateForceInputValues(layout: WidgetLayout, values: unknown[]): unknown[] {
  const { legacy } = layout;
  if (!legacy.some((l) => l.forceInput)) return values;
  if (legacy.reduce((n, l) => n + l.slots, 0) !== values.length) return values;
  return values.filter((_, i) => legacy[i]?.forceInput !== true);
}
