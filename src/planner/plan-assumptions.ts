/**
 * What a fleet prediction assumes, in words a reader can check against their own fleet: printed
 * with every plan (console, plan.json, plan.html), because the numbers are only as good as these.
 */
import type { PlanQuestion } from './plan-search.js';
import type { MeasuredService } from './measured-service.js';

export function planAssumptions(q: PlanQuestion, service: MeasuredService): string[] {
  const dispatch =
    q.dispatch === 'shared-queue'
      ? "Dispatch: one shared queue, each prompt held until a GPU is free (an ideal router; comfyload's own fleet dispatch is least-queue or round-robin)."
      : q.dispatch === 'least-queue'
        ? "Dispatch: least-queue as comfyload's fleet does it (fewest prompts waiting or running, ties in turn), with the queues known exactly; the real dispatcher reads queue_remaining from status messages a few ms late."
        : "Dispatch: round-robin as comfyload's fleet does it (in turn, whatever the queues).";
  const arrivals =
    q.arrival === 'gamma'
      ? `Arrivals: gamma gaps of shape ${q.burstiness} at a steady rate (comfyload's own arrival schedule; below 1 burstier than Poisson).`
      : q.arrival === 'poisson'
        ? 'Arrivals: Poisson at a steady rate (independent users), as comfyload run --rate sends them.'
        : 'Arrivals: evenly spaced at a steady rate.';
  return [
    'One worker per GPU: each GPU is one ComfyUI like the measured one, running one prompt at a time from its own queue in order; no other clients share it.',
    `Service times are independent of load and of each other, drawn from the ${service.samples.length} measured prompts of this run (same workflow, settings, GPU, software); a run whose prompts differ (other steps, resolution, models) plans only for that mix.`,
    'No model swaps, cold starts or out-of-memory unless the measured run had them: a mixed workload needs its swaps in the measured prompts.',
    arrivals,
    dispatch,
    'No client limits: every arrival is sent at its time (no --max-in-flight drops), and the network and harness add only what the measured idle prompts showed.',
    'Steady state: each replication starts empty and its first 10% of arrivals are not counted; near saturation (utilisation > 95%) the waits depend on the exact mean service time and a long stretch of time, so trust them least there.',
    'The interval covers a finite measurement (the bootstrap of the measured prompts) and a finite simulated run (fresh arrivals per replication), not a change of software, drivers or thermals between measuring and serving.',
  ];
}
