import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, planFrom, Scratch } from './helpers.js';

let s: Scratch;
let wf: string;

beforeAll(() => {
  s = new Scratch();
  wf = s.path('workflow.json');
});
afterAll(() => s.remove());

describe('run options: open loop', () => {
  it('--rate with units gives one level per rate, Poisson by default, capped in flight', async () => {
    const { plan } = await planFrom(['--workflow', wf, '--rate', '12/min,0.5/s,1800/h'], {}, s.dir);
    expect(plan.openLoop).toEqual({ arrival: 'poisson', burstiness: 1, ratesPerSec: [0.2, 0.5, 0.5], maxInFlight: 200, dispatch: 'least-queue' });
    expect(plan.levels).toHaveLength(3);
  });

  it('--stages ramps from --rate, a level per stage; gamma keeps its burstiness', async () => {
    const { plan } = await planFrom(
      ['--workflow', wf, '--rate', '1/min', '--stages', '2/min:5m,10/min:90s', '--arrival', 'gamma', '--burstiness', '0.5'],
      {},
      s.dir,
    );
    expect(plan.openLoop).toMatchObject({
      arrival: 'gamma',
      burstiness: 0.5,
      startRatePerSec: 1 / 60,
      stages: [
        { ratePerSec: 2 / 60, durationMs: 300_000 },
        { ratePerSec: 10 / 60, durationMs: 90_000 },
      ],
    });
  });

  it('without --rate the run stays closed loop', async () => {
    const { plan } = await planFrom(['--workflow', wf], {}, s.dir);
    expect(plan.openLoop).toBeUndefined();
  });

  it.each([
    ['a bare number', ['--rate', '12'], /add a unit, e.g. --rate 12\/min/],
    ['rate and concurrency', ['--rate', '1/s', '--concurrency', '2'], /exclude each other/],
    ['burstiness without gamma', ['--rate', '1/s', '--burstiness', '0.5'], /needs --arrival gamma/],
    ['open-loop option without a rate', ['--max-in-flight', '5'], /applies to open-loop runs only/],
    ['a stage without a duration unit', ['--stages', '2/min:5'], /duration takes a unit/],
  ])('%s is refused with its fix', async (_name, args, hint) => {
    const err = await errorOf(() => planFrom(['--workflow', wf, ...args], {}, s.dir));
    expect(err.code).toBe('COMFYLOAD_ERR_BAD_OPTION');
    expect(`${err.message} ${err.hint}`).toMatch(hint);
  });
});
