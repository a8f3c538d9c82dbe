/**
 * Errors the engine raises. Codes are the stable `COMFYLOAD_ERR_*` strings of the CLI's error
 * catalogue (docs/errors.md); the CLI maps them to exit codes and prints `hint` as the fix.
 */
export class HarnessError extends Error {
  override readonly name = 'ComfyloadError';
  readonly code: string;
  readonly hint: string;
  readonly details: string[];

  constructor(code: string, message: string, hint: string, options: { cause?: unknown; details?: string[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = hint;
    this.details = options.details ?? [];
  }
}
