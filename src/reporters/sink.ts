/**
 * Where reporters write: a `Sink` (or a bare write function). Only the CLI layer opens files and
 * wraps them as sinks; tests pass an array-backed sink. Every reporter writes whole lines per
 * `write` call, so a file cut short by a crash ends at a line boundary.
 */

export interface Sink {
  write(chunk: string): void | Promise<void>;
  close?(): void | Promise<void>;
}

/** A sink, or just its write function. */
export type SinkLike = Sink | ((chunk: string) => void | Promise<void>);

/** Normalises a `SinkLike` to a `Sink`. */
export function toSink(sink: SinkLike): Sink {
  return typeof sink === 'function' ? { write: sink } : sink;
}

/** A sink that keeps what is written, for tests and for building a file in memory. */
export class MemorySink implements Sink {
  readonly chunks: string[] = [];
  closed = false;

  write(chunk: string): void {
    this.chunks.push(chunk);
  }

  close(): void {
    this.closed = true;
  }

  /** Everything written so far. */
  text(): string {
    return this.chunks.join('');
  }
}

/**
 * `# key: value` comment lines (environment fingerprint and the like) for the top of a text
 * file. Line breaks inside a comment are replaced so each stays one line.
 */
export function commentBlock(headerComments: readonly string[]): string {
  return headerComments.map((comment) => `# ${comment.replace(/[\r\n]+/g, ' ')}\n`).join('');
}
