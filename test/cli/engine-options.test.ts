import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, planFrom, Scratch } from './helpers.js';

let s: Scratch;
let wf: string;

beforeAll(() => {
  s = new Scratch();
  wf = s.path('workflow.json');
});
afterAll(() => s.remove());

describe('--engine, --threshold and the k6 engine options', () => {
  it('given --engine k6 with its options, then the plan carries them (thresholds normalised to ms)', async () => {
    const { plan } = await planFrom(
      [
        '--workflow',
        wf,
        '--engine',
        'k6',
        '--threshold',
        'completionMs.p95<30s',
        '--threshold',
        'queueWaitMs.p99<500',
        '--execution-segment',
        '1/2:1',
        '--expected-completion',
        '2s',
      ],
      {},
      s.dir,
    );
    expect(plan).toMatchObject({ engine: 'k6', k6: { executionSegment: '1/2:1', expectedCompletionMs: 2000 } });
    expect(plan.thresholds?.map((t) => t.text)).toEqual(['completionMs.p95<30000', 'queueWaitMs.p99<500']);
  });

  it('given no --engine, then the Node engine runs and takes --threshold too', async () => {
    const { plan } = await planFrom(['--workflow', wf, '--threshold', 'execMs.p50<10s'], {}, s.dir);
    expect(plan.engine).toBe('node');
    expect(plan.thresholds?.map((t) => t.text)).toEqual(['execMs.p50<10000']);
    expect(plan.k6).toBeUndefined();
  });

  it.each([
    [['--rate', '12/min'], /cannot do `--arrival poisson` \(the default\)/, /--arrival constant/],
    [['--rate', '12/min', '--arrival', 'gamma'], /cannot do `--arrival gamma`/, /--engine node/],
    [['--fetch-outputs'], /does not download outputs/, /drop --fetch-outputs/],
    [['--url', 'http://127.0.0.1:1', '--url', 'http://127.0.0.1:2', '--rate', '1/s', '--arrival', 'constant'], /drives one target, but 2 were given/, /fleet/],
    [['--reconnect-timeout', '2m'], /`--reconnect-timeout` is a setting of the Node engine/, /--engine node/],
  ])('given --engine k6 with %j, then it is refused by name with the fix (K6_UNSUPPORTED)', async (extra, message, hint) => {
    const err = await errorOf(() => planFrom(['--workflow', wf, '--engine', 'k6', ...extra], {}, s.dir));
    expect(err.code).toBe('COMFYLOAD_ERR_K6_UNSUPPORTED');
    const text = `${err.message}\n${err.hint}\n${(err.details ?? []).join('\n')}`;
    expect(text).toMatch(message);
    expect(text).toMatch(hint);
  });

  it('given --engine k6 with --arrival constant, then the open loop is accepted', async () => {
    const { plan } = await planFrom(['--workflow', wf, '--engine', 'k6', '--rate', '12/min', '--arrival', 'constant'], {}, s.dir);
    expect(plan.openLoop?.arrival).toBe('constant');
  });

  it('given the k6-only options without --engine k6, then each is refused', async () => {
    const err = await errorOf(() => planFrom(['--workflow', wf, '--execution-segment', '0:1/2'], {}, s.dir));
    expect(err.code).toBe('COMFYLOAD_ERR_BAD_OPTION');
    expect(err.message).toMatch(/`--execution-segment` applies only to --engine k6/);
  });

  it.each(['1/2:1/4', '0:2', 'half', '0:1:2'])('given --execution-segment %s, then it is refused with an example', async (segment) => {
    const err = await errorOf(() => planFrom(['--workflow', wf, '--engine', 'k6', '--execution-segment', segment], {}, s.dir));
    expect(err.message).toMatch(/Expected `--execution-segment` to be a k6 execution segment `from:to`/);
    expect(err.hint).toMatch(/0:1\/2/);
  });

  it.each(['stepIntervalMs.p95<3', 'completionMs.p95', 'completionMs.p100<3'])('given --threshold %s, then it is refused as --slo would be', async (t) => {
    const err = await errorOf(() => planFrom(['--workflow', wf, '--threshold', t], {}, s.dir));
    expect(err.message).toMatch(/Expected `--threshold` to be a threshold/);
  });
});
