/**
 * WebSocket message types of the ComfyUI server (protocol reference §2.1, §2.2).
 * Type-only module: shared by the protocol core, the Node engine, the k6 scenarios and the emulator.
 */

/** A node id as ComfyUI writes it: a string, possibly nested for subgraphs ("12.0.0.3"). */
export type NodeId = string;

export interface StatusData {
  status: { exec_info: { queue_remaining: number } };
  /** Present only on the copy sent to a socket right after its handshake. */
  sid?: string;
}

export interface ExecutionStartData {
  prompt_id: string;
  /** Server epoch milliseconds (absent on legacy servers). */
  timestamp?: number;
}

export interface ExecutionCachedData {
  nodes: NodeId[];
  prompt_id: string;
  timestamp?: number;
}

export interface ExecutingData {
  /** `null` is the completion signal of every server version. */
  node: NodeId | null;
  display_node?: NodeId;
  /** Absent on a reconnect's replay of the running node. */
  prompt_id?: string;
}

export interface ProgressData {
  value: number;
  max: number;
  /** Absent on servers before 2024-01-01. */
  prompt_id?: string;
  node?: NodeId | null;
}

export interface ProgressStateNode {
  value: number;
  max: number;
  state: 'pending' | 'running' | 'finished' | 'error' | string;
  node_id: NodeId;
  prompt_id: string;
  display_node_id?: NodeId | null;
  parent_node_id?: NodeId | null;
  real_node_id?: NodeId | null;
}

export interface ProgressStateData {
  prompt_id: string;
  nodes: Record<NodeId, ProgressStateNode>;
}

/** One output of a node: images, text or anything a custom node returns. */
export interface OutputFile {
  filename: string;
  subfolder: string;
  type: 'output' | 'temp' | 'input' | string;
}

export interface NodeOutput {
  images?: OutputFile[];
  animated?: boolean[];
  text?: string[];
  [key: string]: unknown;
}

export interface ExecutedData {
  node: NodeId;
  display_node?: NodeId;
  /** `null` for some cached output nodes. */
  output: NodeOutput | null;
  prompt_id: string;
}

export interface ExecutionSuccessData {
  prompt_id: string;
  timestamp?: number;
}

export interface ExecutionErrorData {
  prompt_id: string;
  node_id: NodeId;
  node_type: string;
  executed: NodeId[];
  exception_message: string;
  exception_type: string;
  traceback: string[];
  /** A dict of lists, but a list `[]` for dependency cycles and ExecutionBlocked. */
  current_inputs: Record<string, unknown[]> | unknown[];
  current_outputs: unknown;
  timestamp?: number;
}

export interface ExecutionInterruptedData {
  prompt_id: string;
  node_id: NodeId;
  node_type: string;
  executed: NodeId[];
  timestamp?: number;
}

export interface FeatureFlagsData {
  supports_preview_metadata?: boolean;
  max_upload_size?: number;
  [flag: string]: unknown;
}

export interface LogsData {
  entries: { t: string; m: string }[];
  size?: { cols: number; rows: number } | null;
}

/** Every JSON message the server sends, discriminated by `type`. */
export type KnownServerMessage =
  | { type: 'status'; data: StatusData }
  | { type: 'execution_start'; data: ExecutionStartData }
  | { type: 'execution_cached'; data: ExecutionCachedData }
  | { type: 'executing'; data: ExecutingData }
  | { type: 'progress'; data: ProgressData }
  | { type: 'progress_state'; data: ProgressStateData }
  | { type: 'executed'; data: ExecutedData }
  | { type: 'execution_success'; data: ExecutionSuccessData }
  | { type: 'execution_error'; data: ExecutionErrorData }
  | { type: 'execution_interrupted'; data: ExecutionInterruptedData }
  | { type: 'feature_flags'; data: FeatureFlagsData }
  | { type: 'logs'; data: LogsData }
  | { type: 'display_component'; data: Record<string, unknown> };

export type KnownMessageType = KnownServerMessage['type'];

/** A well-formed message of a type this code does not know: kept, counted, never fatal. */
export interface UnknownServerMessage {
  type: string;
  data: unknown;
  unknown: true;
}

/** Binary frame event types (§2.2). */
export const BinaryEventType = {
  PREVIEW_IMAGE: 1,
  UNENCODED_PREVIEW_IMAGE: 2,
  TEXT: 3,
  PREVIEW_IMAGE_WITH_METADATA: 4,
} as const;

export interface PreviewMetadata {
  node_id: NodeId;
  prompt_id: string;
  display_node_id?: NodeId | null;
  parent_node_id?: NodeId | null;
  real_node_id?: NodeId | null;
  image_type: string;
}

export type BinaryFrame =
  | { kind: 'preview'; event: 1; format: 'jpeg' | 'png' | 'unknown'; imageBytes: number }
  | { kind: 'text'; event: 3; nodeId: NodeId; text: string }
  | { kind: 'preview_with_metadata'; event: 4; metadata: PreviewMetadata; imageBytes: number }
  | { kind: 'unknown_binary'; event: number; bytes: number };

/** Client → server: the only message a client may send, once, first. */
export interface ClientFeatureFlagsMessage {
  type: 'feature_flags';
  data: { supports_preview_metadata?: boolean; [flag: string]: unknown };
}
