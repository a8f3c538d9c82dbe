/**
 * The capacity tests' independent truth: a small queue simulation of its own (not the tool's
 * model), Poisson arrivals into one FIFO server drawing service times from the emulator's ground
 * truth, and the highest rate whose simulated percentile meets a threshold.
 */

/** Poisson arrivals at `ratePerSec` into one FIFO server drawing from `serviceMs`: the p-th percentile of time in system, ms. */
export function simulatedPercentileMs(serviceMs: readonly number[], ratePerSec: number, percentile: number): number {
  let seed = 12345;
  const uniform = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed + 0.5) / 4294967296;
  };
  const n = 200_000;
  const sojourn: number[] = [];
  let arrival = 0;
  let free = 0;
  for (let i = 0; i < n; i++) {
    arrival += (-Math.log(uniform()) * 1000) / ratePerSec;
    const start = Math.max(arrival, free);
    free = start + serviceMs[Math.floor(uniform() * serviceMs.length)]!;
    if (i >= 5000) sojourn.push(free - arrival);
  }
  sojourn.sort((a, b) => a - b);
  return sojourn[Math.ceil((percentile / 100) * sojourn.length) - 1]!;
}

/** The true max rate: the highest rate whose simulated percentile meets the threshold (bisection). */
export function trueMaxRate(serviceMs: readonly number[], percentile: number, thresholdMs: number): number {
  const mu = 1000 / (serviceMs.reduce((a, b) => a + b, 0) / serviceMs.length);
  let lo = 0.01 * mu;
  let hi = 0.9999 * mu;
  while ((hi - lo) / hi > 0.002) {
    const mid = (lo + hi) / 2;
    if (simulatedPercentileMs(serviceMs, mid, percentile) < thresholdMs) lo = mid;
    else hi = mid;
  }
  return lo;
}
