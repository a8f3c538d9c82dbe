/**
 * Listening to one run's AbortSignal from hundreds of places at once (every prompt in flight,
 * every lane waiting to post) without hundreds of listeners on it: one real listener per signal
 * fans out to the subscribers, and each unsubscribes when it no longer cares. So no
 * `setMaxListeners(0)` is needed, and a settled prompt leaves nothing behind on the signal.
 */
const fanouts = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `fn` once when `signal` aborts (at once if it already has); returns the unsubscribe. */
export function onAbort(signal: AbortSignal | undefined, fn: () => void): () => void {
  if (signal === undefined) return noop;
  if (signal.aborted) {
    fn();
    return noop;
  }
  let subscribers = fanouts.get(signal);
  if (subscribers === undefined) {
    const created = new Set<() => void>();
    subscribers = created;
    fanouts.set(signal, created);
    signal.addEventListener('abort', () => fanOut(created), { once: true });
  }
  const entry = (): void => fn();
  subscribers.add(entry);
  const set = subscribers;
  return () => set.delete(entry);
}

function fanOut(subscribers: Set<() => void>): void {
  const all = [...subscribers];
  subscribers.clear();
  for (const fn of all) fn();
}

function noop(): void {}
