/**
 * Errors thrown by the protocol core. Callers match on `code`, never on the message text.
 *
 * Codes:
 * - `COMFYLOAD_ERR_BAD_SET_PATH`: a `--set` path is not `<selector>.<input>`.
 * - `COMFYLOAD_ERR_SET_PATH_NO_MATCH`: the selector matched no node of the workflow.
 * - `COMFYLOAD_ERR_SET_PATH_NO_INPUT`: the matched nodes have no input of that name.
 * - `COMFYLOAD_ERR_BAD_SEED`: a seed policy argument is out of range.
 * - `COMFYLOAD_ERR_BAD_SET_VALUE`: a `--set` value does not fit the input's type.
 * - `COMFYLOAD_ERR_WORKFLOW_UI_FORMAT`: a UI-format graph cannot be converted to the API format.
 */
export type ComfyErrorCode =
  | 'COMFYLOAD_ERR_BAD_SET_PATH'
  | 'COMFYLOAD_ERR_SET_PATH_NO_MATCH'
  | 'COMFYLOAD_ERR_SET_PATH_NO_INPUT'
  | 'COMFYLOAD_ERR_BAD_SEED'
  | 'COMFYLOAD_ERR_BAD_SET_VALUE'
  | 'COMFYLOAD_ERR_WORKFLOW_UI_FORMAT';

/** Base class of the protocol core's errors: a stable `code` and an optional `cause`. */
export class ComfyError extends Error {
  readonly code: ComfyErrorCode;

  constructor(code: ComfyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ComfyError';
    this.code = code;
  }
}

/** A `--set` path that cannot be applied to the workflow; the message names the fix. */
export class ComfyPathError extends ComfyError {
  /** The path as the user wrote it. */
  readonly path: string;

  constructor(code: ComfyErrorCode, path: string, message: string) {
    super(code, message);
    this.name = 'ComfyPathError';
    this.path = path;
  }
}
