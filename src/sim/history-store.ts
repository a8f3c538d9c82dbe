/**
 * `/history`: finished prompts in insertion order (oldest first), capped like the real server
 * (the oldest entry goes once the cap is exceeded), a reused prompt_id overwriting its entry.
 */
import type { HistoryEntry } from '../comfy/http-types.js';

export class HistoryStore {
  #entries = new Map<string, HistoryEntry>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  /** `task_done`: drops the oldest when over the cap, then writes (or overwrites in place). */
  add(promptId: string, entry: HistoryEntry): void {
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(promptId, entry);
  }

  get(promptId: string): HistoryEntry | undefined {
    return this.#entries.get(promptId);
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * `get_history(max_items, offset)`: without an offset, `max_items` means the newest N; the
   * result is always oldest first.
   */
  list(maxItems: number | undefined, offset: number | undefined): Record<string, HistoryEntry> {
    let start = offset ?? -1;
    if (start < 0 && maxItems !== undefined) start = this.#entries.size - maxItems;
    const out: Record<string, HistoryEntry> = {};
    let i = 0;
    let n = 0;
    for (const [id, e] of this.#entries) {
      if (i >= start) {
        out[id] = e;
        n++;
        if (maxItems !== undefined && n >= maxItems) break;
      }
      i++;
    }
    return out;
  }

  delete(promptId: string): void {
    this.#entries.delete(promptId);
  }

  clear(): void {
    this.#entries.clear();
  }

  ids(): string[] {
    return [...this.#entries.keys()];
  }
}
