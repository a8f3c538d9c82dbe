/**
 * HTTP request and response shapes of the ComfyUI server (protocol reference §1 and §7).
 * Type-only module.
 */
import type { NodeId, NodeOutput } from './messages.js';

/** A link to another node's output: `[source_node_id, output_index]`. */
export type Link = [NodeId, number];

export type InputValue = string | number | boolean | null | Link | unknown[] | Record<string, unknown>;

export interface ApiNode {
  class_type: string;
  inputs: Record<string, InputValue>;
  _meta?: { title?: string };
}

/** API-format graph: node id → node. */
export type ApiWorkflow = Record<NodeId, ApiNode>;

export interface ExtraData {
  client_id?: string;
  extra_pnginfo?: { workflow?: unknown };
  create_time?: number;
  preview_method?: string;
  [key: string]: unknown;
}

export interface PromptRequest {
  prompt: ApiWorkflow;
  client_id?: string;
  prompt_id?: string;
  number?: number;
  front?: boolean;
  extra_data?: ExtraData;
  partial_execution_targets?: NodeId[];
}

export interface NodeValidationError {
  type: string;
  message: string;
  details: string;
  extra_info: {
    input_name?: string;
    input_config?: unknown;
    received_value?: unknown;
    linked_node?: unknown;
    [key: string]: unknown;
  };
}

export interface NodeErrors {
  errors: NodeValidationError[];
  dependent_outputs: NodeId[];
  class_type: string;
}

export interface PromptResponse {
  prompt_id: string;
  /** An int when the server assigned it, a float when the client sent one. */
  number: number;
  /** Can be non-empty on a 200: some outputs were invalid and not queued. */
  node_errors: Record<NodeId, NodeErrors>;
}

/** Top-level `error.type` values of a 400 from POST /prompt. */
export type PromptErrorType =
  | 'no_prompt'
  | 'invalid_prompt'
  | 'missing_node_type'
  | 'prompt_no_outputs'
  | 'prompt_outputs_failed_validation'
  | 'invalid_prompt_id'
  | 'dependency_cycle'
  | string;

/** The 400 body of POST /prompt. Servers before 2025-04-09 sent `error: "no prompt"`, `node_errors: []`. */
export interface PromptErrorResponse {
  error: { type: PromptErrorType; message: string; details: string; extra_info: Record<string, unknown> } | string;
  node_errors: Record<NodeId, NodeErrors> | [];
}

/** GET /prompt */
export interface PromptQueueInfo {
  exec_info: { queue_remaining: number };
}

/** `[number, prompt_id, prompt, extra_data, outputs_to_execute]` */
export type QueueItem = [number, string, ApiWorkflow, ExtraData, NodeId[]];

/** GET /queue. Pending items come in heap order, unsorted. */
export interface QueueResponse {
  queue_running: QueueItem[];
  queue_pending: QueueItem[];
}

/** POST /queue */
export interface QueueMutation {
  clear?: boolean;
  delete?: string[];
}

/** POST /history */
export type HistoryMutation = QueueMutation;

export type HistoryStatusMessage = [string, Record<string, unknown> & { prompt_id?: string; timestamp?: number }];

export interface HistoryEntry {
  prompt: QueueItem;
  outputs: Record<NodeId, NodeOutput>;
  status: {
    /** 'error' also for an interrupted prompt: look for execution_interrupted in `messages`. */
    status_str: 'success' | 'error' | string;
    completed: boolean;
    messages: HistoryStatusMessage[];
  };
  meta?: Record<NodeId, { node_id: NodeId; display_node: NodeId; parent_node: NodeId | null; real_node_id: NodeId }>;
}

/** GET /history and GET /history/{id} (`{}` for unknown or unfinished ids). */
export type HistoryResponse = Record<string, HistoryEntry>;

/** POST /interrupt; no id = global. */
export interface InterruptRequest {
  prompt_id?: string;
}

/** POST /free */
export interface FreeRequest {
  unload_models?: boolean;
  free_memory?: boolean;
}

export interface SystemInfo {
  os: string;
  ram_total: number;
  ram_free: number;
  comfyui_version?: string;
  required_frontend_version?: string;
  installed_templates_version?: string;
  required_templates_version?: string;
  python_version: string;
  pytorch_version: string;
  embedded_python: boolean;
  argv?: string[];
  deploy_environment?: string;
  comfy_package_versions?: Record<string, string>;
  [key: string]: unknown;
}

export interface DeviceStats {
  /** `"<device> <gpu name> : <allocator>"`, or `"cpu"`. */
  name: string;
  type: string;
  index: number | null;
  /** Bytes. */
  vram_total: number;
  /** Driver free plus torch reserved-but-unused. */
  vram_free: number;
  /** Torch reserved bytes (not a capacity). */
  torch_vram_total: number;
  /** Torch reserved minus active. */
  torch_vram_free: number;
}

/** GET /system_stats (integer bytes). */
export interface SystemStats {
  system: SystemInfo;
  devices: DeviceStats[];
}

/** GET /features */
export interface FeaturesResponse {
  supports_preview_metadata: boolean;
  max_upload_size: number;
  [flag: string]: unknown;
}

/** Input spec: `[type, options?]`; an enum is `[[values...], options?]` or newer `["COMBO", {options: [...]}]`. */
export type InputSpec = [string | unknown[], Record<string, unknown>?] | [string | unknown[]];

export interface NodeInfo {
  input: {
    required?: Record<string, InputSpec>;
    optional?: Record<string, InputSpec>;
    hidden?: Record<string, unknown>;
  };
  input_order?: { required?: string[]; optional?: string[]; hidden?: string[] };
  output: string[];
  output_is_list: boolean[];
  output_name: string[];
  name: string;
  display_name: string;
  description: string;
  python_module: string;
  category: string;
  output_node: boolean;
  output_tooltips?: string[];
  deprecated?: boolean;
  experimental?: boolean;
  [key: string]: unknown;
}

/** GET /object_info and GET /object_info/{class} (`{}` when unknown). */
export type ObjectInfo = Record<string, NodeInfo>;

/** POST /upload/image and /upload/mask reply. `type` is the form field, never "mask". */
export interface UploadResponse {
  name: string;
  subfolder: string;
  type: string;
}

/** §7 Jobs API (newer servers). */
export interface Job {
  id: string;
  status: 'pending' | 'in_progress' | 'completed' | 'failed' | 'cancelled';
  priority: number;
  create_time?: number;
  execution_start_time?: number | null;
  execution_end_time?: number | null;
  execution_error?: unknown;
  outputs_count?: number;
  preview_output?: unknown;
  workflow_id?: string | null;
}

export interface JobsResponse {
  jobs: Job[];
  pagination: { offset: number; limit: number | null; total: number; has_more: boolean };
}
