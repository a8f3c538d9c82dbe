/**
 * Closed loop: `c` virtual users, each with its own socket, submit the next prompt when their
 * previous one settles. A level lasts a number of prompts (shared among the users) or a duration;
 * it ends when every prompt it submitted has settled, so the server's queue holds nothing of it.
 * A user sends only once its socket is open; one whose socket was given up leaves the loop, and
 * the others share what is left of the budget.
 */
import type { Clock } from './clock.js';
import type { VirtualUser, SubmitResult } from './virtual-user.js';

export interface ClosedLoopBudget {
  /** Total prompts of the level (shared by the users). */
  prompts?: number;
  /** Or: submit until this long after the level started. */
  durationMs?: number;
}

/** Hands out the right to submit one more prompt. */
export class SubmitBudget {
  readonly #clock: Clock;
  readonly #prompts: number | undefined;
  readonly #deadlineMs: number | undefined;
  #issued = 0;

  constructor(clock: Clock, budget: ClosedLoopBudget) {
    this.#clock = clock;
    this.#prompts = budget.prompts;
    this.#deadlineMs = budget.durationMs === undefined ? undefined : clock.now() + budget.durationMs;
  }

  get issued(): number {
    return this.#issued;
  }

  take(signal: AbortSignal | undefined): boolean {
    if (signal?.aborted) return false;
    if (this.#prompts !== undefined && this.#issued >= this.#prompts) return false;
    if (this.#deadlineMs !== undefined && this.#clock.now() >= this.#deadlineMs) return false;
    this.#issued++;
    return true;
  }
}

/**
 * Runs the loop of each user until the budget is spent; `submitOne` submits and settles one prompt.
 * Resolves when every user's last prompt has settled.
 */
export async function runClosedLoop(
  users: readonly VirtualUser[],
  budget: SubmitBudget,
  signal: AbortSignal | undefined,
  submitOne: (user: VirtualUser) => Promise<SubmitResult>,
): Promise<void> {
  await Promise.all(
    users.map(async (user) => {
      // The budget is taken only once the socket is ready, so a user that gives up takes none.
      while ((await user.whenReady(signal)) && budget.take(signal)) await submitOne(user);
    }),
  );
}
