/**
 * The rules of `--engine`: what only the k6 engine takes (`--execution-segment`,
 * `--expected-completion`), and what k6 cannot do, refused by name before anything is sent —
 * Poisson/gamma arrivals (k6's arrival-rate executors space arrivals evenly), fleets (one target
 * per k6 test), mixed workloads (the scenario sends one workflow), output downloads, and the Node engine's reconnect settings (a k6 prompt has a
 * socket of its own and is looked up as soon as it closes).
 */
import { ComfyloadError } from '../comfy/errors.js';
import type { Resolved, RunPlanValues } from './plan-values.js';

export function engineProblems(resolved: Resolved<RunPlanValues>, problems: ComfyloadError[]): void {
  const { values: v, sources, names } = resolved;
  const given = (key: keyof RunPlanValues): boolean => sources[key] !== 'default';
  if (v.engine !== 'k6') {
    for (const key of ['executionSegment', 'expectedCompletion'] as const) {
      if (given(key))
        problems.push(
          new ComfyloadError('COMFYLOAD_ERR_BAD_OPTION', `\`${names[key]}\` applies only to --engine k6`, {
            hint: `add --engine k6, or drop \`${names[key]}\`.`,
          }),
        );
    }
    return;
  }
  const refuse = (message: string, hint: string): void => void problems.push(new ComfyloadError('COMFYLOAD_ERR_K6_UNSUPPORTED', message, { hint }));
  if ((v.url ?? []).length > 1)
    refuse(
      `--engine k6 drives one target, but ${v.url?.length} were given with \`${names.url}\``,
      'run a fleet with --engine node (one socket pool per target), or one k6 test per server and `comfyload merge` the results.',
    );
  if ((v.workflow ?? []).length > 1)
    refuse(
      `--engine k6 sends one workflow, but ${v.workflow?.length} were given with \`${names.workflow}\` (a mixed workload, --mix)`,
      'run the mix with --engine node, or one k6 test per workflow.',
    );
  const openLoop = v.rate !== undefined || v.stages !== undefined;
  if (openLoop && v.arrival !== 'constant') {
    refuse(
      `--engine k6 cannot do \`${sources.arrival === 'default' ? '--arrival' : names.arrival} ${v.arrival}\`${sources.arrival === 'default' ? ' (the default)' : ''}: k6's arrival-rate executors start arrivals evenly spaced`,
      'add --arrival constant, or keep Poisson/gamma arrivals with --engine node.',
    );
  }
  if (v.fetchOutputs) refuse(`--engine k6 does not download outputs (\`${names.fetchOutputs}\`, outputFetchMs)`, 'drop --fetch-outputs, or use --engine node.');
  for (const key of ['quietLookup', 'reconnectTimeout'] as const) {
    if (given(key)) {
      refuse(
        `\`${names[key]}\` is a setting of the Node engine's long-lived sockets; the k6 engine opens a socket per prompt and looks a prompt up as soon as its socket closes`,
        `drop \`${names[key]}\`, or use --engine node.`,
      );
    }
  }
}
