import { describe, expect, it } from 'vitest';

import { ComfyloadError, ERROR_CODES, EXIT_CODES, toComfyloadError } from '../../src/comfy/errors.js';
import { debugFromEnv, formatError } from '../../src/cli/errors.js';

describe('ComfyloadError', () => {
  it('takes exit code and default hint from the catalogue, and passes the cause through', () => {
    const cause = new Error('ECONNREFUSED');
    const err = new ComfyloadError('COMFYLOAD_ERR_TARGET_UNREACHABLE', 'http://h:8188 refused the connection', { cause });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ComfyloadError');
    expect(err.code).toBe('COMFYLOAD_ERR_TARGET_UNREACHABLE');
    expect(err.exitCode).toBe(3);
    expect(err.hint).toBe(ERROR_CODES.COMFYLOAD_ERR_TARGET_UNREACHABLE.fix);
    expect(err.cause).toBe(cause);
    expect(err.details).toBeUndefined();
  });

  it('has the codes and exit codes the CLI contract promises', () => {
    const expected: Record<string, number> = {
      BAD_OPTION: 2,
      BAD_CONFIG: 2,
      CONFIG_NOT_FOUND: 2,
      BAD_WORKFLOW: 2,
      WORKFLOW_NOT_FOUND: 2,
      WORKFLOW_UI_FORMAT: 2,
      BAD_SET_PATH: 2,
      SET_PATH_NO_MATCH: 2,
      SET_PATH_NO_INPUT: 2,
      BAD_SEED: 2,
      BAD_SET_VALUE: 2,
      BAD_URL: 2,
      TARGET_UNREACHABLE: 3,
      NOT_COMFYUI: 3,
      TARGET_AUTH: 3,
      PROMPT_REJECTED: 2,
      CACHE_AUDIT_FAILED: 1,
      WS_CLOSED: 3,
      OUTPUT_FETCH: 3,
      PROMPT_TIMEOUT: 1,
      ERROR_RATE_EXCEEDED: 1,
      RESULTS_WRITE: 2,
      RESUME_NOT_FOUND: 2,
      RESUME_NOT_CAPACITY: 2,
      RESUME_NO_CHECKPOINT: 2,
      RESUME_BAD_CHECKPOINT: 2,
      RESUME_CONFLICT: 2,
      RESUME_MISMATCH: 2,
      OBSERVER_FAILED: 2,
      QUEUE_READ: 3,
      EMULATOR_FAILED: 70,
      EXPORT_WRITE: 2,
      NOT_RESULTS_DIR: 2,
      COMPARE_MISMATCH: 2,
      COMPARE_EMPTY: 2,
      BAD_RESULTS: 2,
      THRESHOLD_FAILED: 1,
      K6_NOT_FOUND: 2,
      K6_UNSUPPORTED: 2,
      K6_FAILED: 2,
      BAD_K6_OUTPUT: 2,
      MERGE_MISMATCH: 2,
      PLAN_NO_SAMPLES: 2,
      PLAN_SLO_METRIC: 2,
      PLAN_UNREACHABLE: 2,
      INTERRUPTED: 130,
      INTERNAL: 70,
    };
    const actual = Object.fromEntries(Object.entries(ERROR_CODES).map(([code, info]) => [code.replace('COMFYLOAD_ERR_', ''), info.exitCode]));
    expect(actual).toEqual(expected);
    for (const info of Object.values(ERROR_CODES)) expect(Object.values(EXIT_CODES)).toContain(info.exitCode);
  });
});

describe('formatError', () => {
  it('prints message, details, fix and code, and no stack unless verbose', () => {
    const err = new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', '2 invalid options:', { hint: 'correct each value.', details: ['a', 'b'] });
    expect(formatError(err, { verbose: false })).toBe(
      'comfyload: 2 invalid options:\n  - a\n  - b\n  fix: correct each value.\n  code: COMFYLOAD_ERR_BAD_OPTION\n',
    );
  });

  it('with verbose, appends the stack and the cause chain', () => {
    const err = new ComfyloadError('COMFYLOAD_ERR_BAD_WORKFLOW', 'bad', { cause: new SyntaxError('Unexpected token') });
    const text = formatError(err, { verbose: true });
    expect(text).toMatch(/\n\s+at /);
    expect(text).toContain('caused by: SyntaxError: Unexpected token');
  });

  it('turns an unknown error into INTERNAL with a one-line message and the --verbose hint', () => {
    const text = formatError(new RangeError('Invalid array length\n    at somewhere'), { verbose: false });
    expect(text).toBe(
      `comfyload: internal error: RangeError: Invalid array length\n  fix: ${ERROR_CODES.COMFYLOAD_ERR_INTERNAL.fix}\n  code: COMFYLOAD_ERR_INTERNAL\n`,
    );
    expect(text).toContain('--verbose');
    expect(toComfyloadError('a string').message).toBe('internal error: a string');
    expect(toComfyloadError({ weird: true }).exitCode).toBe(70);
  });

  it('COMFYLOAD_DEBUG turns stacks on for true-ish values only', () => {
    expect(debugFromEnv({ COMFYLOAD_DEBUG: '1' })).toBe(true);
    expect(debugFromEnv({ COMFYLOAD_DEBUG: 'true' })).toBe(true);
    expect(debugFromEnv({ COMFYLOAD_DEBUG: '0' })).toBe(false);
    expect(debugFromEnv({ COMFYLOAD_DEBUG: '' })).toBe(false);
    expect(debugFromEnv({})).toBe(false);
  });
});
