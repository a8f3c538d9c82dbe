/**
 * Printing the error that ends the process: any thrown value as a ComfyloadError (the catalogue
 * and the class are src/comfy/errors.ts), its text on stderr, and whether stacks are wanted.
 */
import { describeThrown, toComfyloadError } from '../comfy/errors.js';

export interface FormatErrorOptions {
  /** Append stack traces and the cause chain (--verbose or COMFYLOAD_DEBUG=1). */
  verbose: boolean;
}

/**
 * The text printed on stderr for an error that ends the process:
 * `comfyload: <message>`, the details, `  fix: <hint>`, `  code: <code>`; stacks only when verbose.
 */
export function formatError(err: unknown, options: FormatErrorOptions): string {
  const e = toComfyloadError(err);
  const lines = [`comfyload: ${e.message}`];
  for (const detail of e.details ?? []) lines.push(`  - ${detail}`);
  lines.push(`  fix: ${e.hint}`, `  code: ${e.code}`);
  if (options.verbose) {
    lines.push('', e.stack ?? `${e.name}: ${e.message}`);
    let cause: unknown = e.cause;
    for (let depth = 0; cause !== undefined && depth < 8; depth++) {
      lines.push(`caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : describeThrown(cause)}`);
      cause = cause instanceof Error ? cause.cause : undefined;
    }
  }
  return `${lines.join('\n')}\n`;
}

/** True when stack traces should be printed: --verbose, or COMFYLOAD_DEBUG set to a true value. */
export function debugFromEnv(env: NodeJS.ProcessEnv): boolean {
  const v = env.COMFYLOAD_DEBUG?.trim().toLowerCase();
  return v !== undefined && v !== '' && v !== '0' && v !== 'false' && v !== 'no' && v !== 'off';
}
