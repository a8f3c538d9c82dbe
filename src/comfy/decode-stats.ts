/**
 * Counters of what the decoder saw on one or more sockets. Every progress frame passes through
 * here, so counting is a Map update and nothing else; the plain-object view is built only when a
 * reporter asks for it.
 */
import type { DecodedText } from './decoder.js';
import type { BinaryFrame } from './messages.js';

/** Distinct unknown type names kept apart; the rest are summed under {@link OTHER_UNKNOWN}. */
export const MAX_UNKNOWN_TYPES = 64;
/** Bucket for unknown type names beyond {@link MAX_UNKNOWN_TYPES} (a hostile server cannot grow memory). */
export const OTHER_UNKNOWN = '<other>';
const MAX_TYPE_NAME_LENGTH = 100;

/** A stable, plain copy of {@link DecodeStats}, safe to serialise. */
export interface DecodeStatsSnapshot {
  textFrames: number;
  binaryFrames: number;
  /** Known messages by `type`. */
  byType: Record<string, number>;
  /** Well-formed messages of types this code does not know, by name. */
  unknownByType: Record<string, number>;
  malformed: number;
  malformedByReason: Record<string, number>;
  /** Binary frames by event type (-1 = shorter than the event header). */
  binaryByEvent: Record<string, number>;
}

function bump<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function toRecord<K>(map: Map<K, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of map) out[String(k)] = v;
  return out;
}

/** Counts decoded frames by kind; share one instance across the sockets of a run. */
export class DecodeStats {
  #text = 0;
  #binary = 0;
  #malformed = 0;
  #byType = new Map<string, number>();
  #unknownByType = new Map<string, number>();
  #malformedByReason = new Map<string, number>();
  #binaryByEvent = new Map<number, number>();

  /** Records one decoded text frame. */
  countText(decoded: DecodedText): void {
    if (decoded.kind === 'message') this.countMessage(decoded.message.type);
    else this.countProblem(decoded);
  }

  /** Records one text frame decoded as a known message of `type` (the per-frame path: Map updates only). */
  countMessage(type: string): void {
    this.#text += 1;
    bump(this.#byType, type);
  }

  /** Records one text frame that was not a known message. */
  countProblem(decoded: Exclude<DecodedText, { kind: 'message' }>): void {
    this.#text += 1;
    if (decoded.kind === 'unknown') {
      const name = decoded.message.type.slice(0, MAX_TYPE_NAME_LENGTH);
      const key = this.#unknownByType.has(name) || this.#unknownByType.size < MAX_UNKNOWN_TYPES ? name : OTHER_UNKNOWN;
      bump(this.#unknownByType, key);
    } else {
      this.#malformed += 1;
      bump(this.#malformedByReason, decoded.reason);
    }
  }

  /** Records one decoded binary frame. */
  countBinary(frame: BinaryFrame): void {
    this.#binary += 1;
    bump(this.#binaryByEvent, frame.event);
  }

  get textFrames(): number {
    return this.#text;
  }

  get binaryFrames(): number {
    return this.#binary;
  }

  get malformed(): number {
    return this.#malformed;
  }

  /** Known messages of `type` seen so far. */
  countOf(type: string): number {
    return this.#byType.get(type) ?? 0;
  }

  /** Unknown-type messages seen so far (all names together). */
  get unknown(): number {
    let n = 0;
    for (const v of this.#unknownByType.values()) n += v;
    return n;
  }

  /** A plain copy for reporters. */
  snapshot(): DecodeStatsSnapshot {
    return {
      textFrames: this.#text,
      binaryFrames: this.#binary,
      byType: toRecord(this.#byType),
      unknownByType: toRecord(this.#unknownByType),
      malformed: this.#malformed,
      malformedByReason: toRecord(this.#malformedByReason),
      binaryByEvent: toRecord(this.#binaryByEvent),
    };
  }
}
