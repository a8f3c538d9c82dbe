import { describe, expect, it } from 'vitest';
import { ArrivalSchedule } from '../../src/harness/arrival-schedule.js';
import { OpenLoopScheduler, type ScheduledArrival } from '../../src/harness/arrival-scheduler.js';
import { FakeClock } from '../helpers/fake-clock.js';

function constant(ratePerSec: number, count: number): ArrivalSchedule {
  return new ArrivalSchedule(
    { process: 'constant', startRatePerSec: ratePerSec, stages: [{ ratePerSec, durationMs: Number.POSITIVE_INFINITY }], maxArrivals: count },
    () => 0.5,
  );
}

/** Launches that settle when the test says so. */
function harness(time: FakeClock, maxInFlight: number, count: number, ratePerSec = 10) {
  const launched: ScheduledArrival[] = [];
  const dropped: ScheduledArrival[] = [];
  const settlers: (() => void)[] = [];
  const scheduler = new OpenLoopScheduler({
    clock: time,
    timers: time,
    schedule: constant(ratePerSec, count),
    startMs: time.now(),
    maxInFlight,
    launch: (a) => {
      launched.push(a);
      return new Promise<void>((resolve) => settlers.push(resolve));
    },
    drop: (a) => void dropped.push(a),
  });
  return { scheduler, launched, dropped, settlers };
}

describe('OpenLoopScheduler', () => {
  it('fires each arrival at its intended time, not a millisecond before', async () => {
    const time = new FakeClock();
    const h = harness(time, 100, 3);
    const done = h.scheduler.run();
    await time.advance(0);
    expect(h.launched).toHaveLength(1); // t = 0
    await time.advance(99);
    expect(h.launched).toHaveLength(1); // deadline − 1
    await time.advance(1);
    expect(h.launched).toHaveLength(2); // deadline
    expect(h.launched[1]?.intendedAtMs).toBe(100);
    await time.advance(100);
    for (const s of h.settlers) s();
    expect(await done).toEqual({ scheduled: 3, launched: 3, dropped: 0, settled: 3 });
  });

  it('does not wait for earlier prompts: arrivals keep coming while none has settled', async () => {
    const time = new FakeClock();
    const h = harness(time, 100, 5);
    const done = h.scheduler.run();
    await time.advance(400);
    expect(h.launched).toHaveLength(5);
    expect(h.scheduler.inFlight).toBe(5);
    for (const s of h.settlers) s();
    await done;
  });

  it('counts arrivals that find max-in-flight outstanding as dropped; scheduled = launched + dropped', async () => {
    const time = new FakeClock();
    const h = harness(time, 2, 6);
    const done = h.scheduler.run();
    await time.advance(300); // arrivals at 0,100,200,300: two launched, two dropped
    expect(h.launched).toHaveLength(2);
    expect(h.dropped.map((a) => a.intendedAtMs)).toEqual([200, 300]);
    h.settlers[0]?.();
    await time.advance(100); // a slot freed: the arrival at 400 is launched
    expect(h.launched).toHaveLength(3);
    await time.advance(100);
    for (const s of h.settlers) s();
    const counts = await done;
    expect(counts.scheduled).toBe(6);
    expect(counts.launched + counts.dropped).toBe(counts.scheduled);
    expect(counts.settled).toBe(counts.launched);
  });

  it('after a stall of its own event loop, fires every overdue arrival with its intended time and lateness', async () => {
    const time = new FakeClock();
    const h = harness(time, 100, 4);
    const done = h.scheduler.run();
    await time.advance(0);
    time.jump(350); // timers could not run for 350 ms
    await time.advance(0);
    expect(h.launched.map((a) => [a.intendedAtMs, a.lateMs])).toEqual([
      [0, 0],
      [100, 250],
      [200, 150],
      [300, 50],
    ]);
    for (const s of h.settlers) s();
    await done;
  });

  it('stops arrivals when the stop signal aborts, and still waits for what is in flight', async () => {
    const time = new FakeClock();
    const h = harness(time, 100, 100);
    const stop = new AbortController();
    let finished = false;
    const done = h.scheduler.run(stop.signal).then((c) => ((finished = true), c));
    await time.advance(250);
    stop.abort();
    await time.advance(1000);
    expect(h.launched).toHaveLength(3);
    expect(finished).toBe(false);
    for (const s of h.settlers) s();
    expect((await done).scheduled).toBe(3);
  });

  // Regression (issue 11): `.catch(() => undefined)` hid a failed launch (an observer that could not
  // write requests.csv) and the run ended as if complete.
  it('a failed launch stops arrivals, lets the others settle, and rejects run() with it', async () => {
    const time = new FakeClock();
    const settlers: (() => void)[] = [];
    let launches = 0;
    const scheduler = new OpenLoopScheduler({
      clock: time,
      timers: time,
      schedule: constant(10, 10),
      startMs: time.now(),
      maxInFlight: 100,
      launch: () => {
        launches++;
        if (launches === 3) return Promise.reject(new Error('ENOSPC: no space left on device, write'));
        return new Promise<void>((resolve) => settlers.push(resolve));
      },
      drop: () => undefined,
    });
    let outcome: unknown;
    const done = scheduler.run().then(
      () => (outcome = 'resolved'),
      (err: Error) => (outcome = err.message),
    );
    await time.advance(1000);
    expect(launches).toBe(3); // nothing launched after the failure
    expect(outcome).toBeUndefined(); // still waiting for the two in flight
    for (const s of settlers) s();
    await done;
    expect(outcome).toBe('ENOSPC: no space left on device, write');
    expect(scheduler.counts).toMatchObject({ scheduled: 3, launched: 3, settled: 3 });
  });

  // Regression (issue 11): the engine's drop path ran `void settle(...)`, so a throw there was an unhandled rejection.
  it('a drop that rejects (or throws) is waited for and fails run(), never an unhandled rejection', async () => {
    for (const failing of [
      () => Promise.reject(new Error('drop failed')),
      () => {
        throw new Error('drop failed');
      },
    ]) {
      const time = new FakeClock();
      let settle: () => void = () => undefined;
      const scheduler = new OpenLoopScheduler({
        clock: time,
        timers: time,
        schedule: constant(10, 5),
        startMs: time.now(),
        maxInFlight: 1,
        launch: () => new Promise<void>((resolve) => (settle = resolve)),
        drop: failing,
      });
      const caught = scheduler.run().then(
        () => 'resolved',
        (err: Error) => err.message,
      );
      await time.advance(1000);
      // Arrivals stopped at the failed drop (the 2nd arrival); the first is still in flight.
      expect(scheduler.counts).toMatchObject({ scheduled: 2, launched: 1, dropped: 1, settled: 0 });
      settle();
      expect(await caught).toBe('drop failed');
    }
  });
});
