/**
 * The protocol core's public API: pure, transport-free and clock-free, shared by the Node engine
 * and the k6 scenarios.
 */
export type * from './messages.js';
export type * from './http-types.js';
export type * from './marks.js';
export { BinaryEventType } from './messages.js';
export { decodeText, decodeBinary } from './decoder.js';
export type { DecodedText } from './decoder.js';
export { DecodeStats, MAX_UNKNOWN_TYPES, OTHER_UNKNOWN } from './decode-stats.js';
export type { DecodeStatsSnapshot } from './decode-stats.js';
export { PromptTracker } from './prompt-tracker.js';
export type { PromptTrackerInit, TrackEffect } from './prompt-tracker.js';
export { SessionRouter } from './session-router.js';
export type { SessionRouterOptions } from './session-router.js';
export { readHistory } from './history-marks.js';
export { describeRejection, MAX_REJECTION_MESSAGE } from './rejection.js';
export type { RejectionInfo } from './rejection.js';
export type { HistoryFacts } from './history-marks.js';
export { derivePromptTimings } from './prompt-timings.js';
export type { PromptTimings } from './prompt-timings.js';
export {
  applySeedPolicy,
  canonicalJson,
  cloneWorkflow,
  findSeedInputs,
  isLink,
  outputNodeIds,
  resolveSetPath,
  setInput,
  RANDOM_SEED_LIMIT,
  SEED_INPUT_NAMES,
} from './workflow.js';
export type { SeedInput, SeedPolicy, SetTarget } from './workflow.js';
export { applySeedSequence, seedAt } from './seed-sequence.js';
export { ComfyloadError, ComfyPathError, ERROR_CODES, EXIT_CODES, isComfyloadError } from './errors.js';
export type { ErrorCode, ExitCode } from './errors.js';
export { decodeUtf8 } from './utf8.js';
