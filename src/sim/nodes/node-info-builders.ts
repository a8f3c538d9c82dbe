/**
 * Builders for `/object_info` entries. ComfyUI 0.3.64 renders two shapes: classic (V1) nodes from
 * `nodes.py`/custom nodes, and V3 schema nodes (`comfy_api.latest.io`), which add
 * `output_tooltips`, `deprecated`, `experimental` and `api_node` and spell enums as
 * `["COMBO", {...options}]`. Keeping both shapes lets the harness meet what a real server sends.
 */
import type { InputSpec, NodeInfo } from '../../comfy/http-types.js';

export interface V1NodeSpec {
  name: string;
  /** NODE_DISPLAY_NAME_MAPPINGS entry; a class without one shows its class name. */
  displayName?: string;
  description?: string;
  pythonModule?: string;
  category: string;
  required?: Record<string, InputSpec>;
  optional?: Record<string, InputSpec>;
  hidden?: Record<string, unknown>;
  output: string[];
  outputName?: string[];
  outputTooltips?: string[];
  outputNode?: boolean;
}

/** Output nodes get these two hidden inputs in every ComfyUI version. */
export const OUTPUT_NODE_HIDDEN = { prompt: 'PROMPT', extra_pnginfo: 'EXTRA_PNGINFO' } as const;

/**
 * A V1 node: `server.py node_info()` lists only the input sections the class declares, and
 * `input_order` mirrors them key by key; `output_tooltips` appears only when the class has it.
 */
export function v1Node(spec: V1NodeSpec): NodeInfo {
  const input: NodeInfo['input'] = {};
  const inputOrder: NonNullable<NodeInfo['input_order']> = {};
  if (spec.required) {
    input.required = spec.required;
    inputOrder.required = Object.keys(spec.required);
  }
  if (spec.optional) {
    input.optional = spec.optional;
    inputOrder.optional = Object.keys(spec.optional);
  }
  if (spec.hidden) {
    input.hidden = spec.hidden;
    inputOrder.hidden = Object.keys(spec.hidden);
  }
  const info: NodeInfo = {
    input,
    input_order: inputOrder,
    output: spec.output,
    output_is_list: spec.output.map(() => false),
    output_name: spec.outputName ?? spec.output,
    name: spec.name,
    display_name: spec.displayName ?? spec.name,
    description: spec.description ?? '',
    python_module: spec.pythonModule ?? 'nodes',
    category: spec.category,
    output_node: spec.outputNode ?? false,
  };
  if (spec.outputTooltips) info.output_tooltips = spec.outputTooltips;
  return info;
}

export interface V3NodeSpec {
  name: string;
  displayName: string;
  description?: string;
  pythonModule: string;
  category: string;
  required: Record<string, InputSpec>;
  output: string[];
}

/**
 * A V3 schema node (`Schema.get_v1_info`): `input.required` always exists, tooltips are listed
 * per output (null when absent) and the three flags are always present.
 */
export function v3Node(spec: V3NodeSpec): NodeInfo {
  return {
    input: { required: spec.required },
    input_order: { required: Object.keys(spec.required) },
    output: spec.output,
    output_is_list: spec.output.map(() => false),
    output_name: spec.output,
    output_tooltips: spec.output.map(() => null) as unknown as string[],
    name: spec.name,
    display_name: spec.displayName,
    description: spec.description ?? '',
    python_module: spec.pythonModule,
    category: spec.category,
    output_node: false,
    deprecated: false,
    experimental: false,
    api_node: false,
  };
}

/** V3 `io.Combo.Input`: `multiselect: false` survives `prune_dict` (only None is pruned). */
export function v3Combo(options: string[]): InputSpec {
  return ['COMBO', { multiselect: false, options }];
}
