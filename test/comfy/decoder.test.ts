import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBinary, decodeText } from '../../src/comfy/decoder.js';
import { DecodeStats, MAX_UNKNOWN_TYPES, OTHER_UNKNOWN } from '../../src/comfy/decode-stats.js';
import { decodeUtf8Fallback } from '../../src/comfy/utf8.js';

function frame(event: number, ...parts: (number[] | Uint8Array)[]): Uint8Array {
  const body = parts.flatMap((p) => [...p]);
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, event, false);
  out.set(body, 4);
  return out;
}
function u32(n: number): number[] {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('decodeText', () => {
  it('given a progress frame, when decoded, then it is a known message', () => {
    const d = decodeText('{"type":"progress","data":{"value":3,"max":20,"prompt_id":"p","node":"3"}}');
    expect(d).toEqual({ kind: 'message', message: { type: 'progress', data: { value: 3, max: 20, prompt_id: 'p', node: '3' } } });
  });

  it('given a legacy progress without prompt_id or node, when decoded, then it is still a message', () => {
    expect(decodeText('{"type":"progress","data":{"value":1,"max":2}}').kind).toBe('message');
  });

  it('given a type this code does not know, when decoded, then it is unknown with its data kept', () => {
    expect(decodeText('{"type":"crystools.monitor","data":{"gpu":1}}')).toEqual({
      kind: 'unknown',
      message: { type: 'crystools.monitor', data: { gpu: 1 }, unknown: true },
    });
  });

  it.each([
    ['not json', 'invalid JSON'],
    ['[1,2]', 'frame is not a JSON object'],
    ['"status"', 'frame is not a JSON object'],
    ['{"data":{}}', 'type is missing or not a string'],
    ['{"type":7,"data":{}}', 'type is missing or not a string'],
    ['{"type":"status"}', 'data is missing or not an object'],
    ['{"type":"status","data":null}', 'data is missing or not an object'],
    ['{"type":"status","data":[]}', 'data is missing or not an object'],
  ])('given %s, when decoded, then it is malformed (%s)', (raw, reason) => {
    expect(decodeText(raw)).toEqual({ kind: 'malformed', reason });
  });

  it.each([
    '{"type":"progress","data":{"value":"3","max":20}}',
    '{"type":"progress","data":{"value":3}}',
    '{"type":"status","data":{"status":{}}}',
    '{"type":"execution_start","data":{}}',
    '{"type":"execution_start","data":{"prompt_id":"p","timestamp":"soon"}}',
    '{"type":"execution_cached","data":{"prompt_id":"p","nodes":[1]}}',
    '{"type":"executing","data":{"node":3,"prompt_id":"p"}}',
    '{"type":"executing","data":{"prompt_id":"p"}}',
    '{"type":"executed","data":{"node":"9","prompt_id":"p","output":"x"}}',
    '{"type":"execution_error","data":{"prompt_id":"p"}}',
    '{"type":"execution_success","data":{"prompt_id":null}}',
  ])('given a known type with a bad shape %s, when decoded, then it is malformed', (raw) => {
    expect(decodeText(raw).kind).toBe('malformed');
  });

  it('given a "__proto__" type, when decoded, then it is unknown, not a prototype lookup', () => {
    expect(decodeText('{"type":"__proto__","data":{}}').kind).toBe('unknown');
    expect(decodeText('{"type":"constructor","data":{}}').kind).toBe('unknown');
  });

  it('given arbitrary strings, when decoded, then it never throws', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        decodeText(s);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.json(), (s) => {
        decodeText(s);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('decodeBinary', () => {
  it('given a type-1 JPEG preview, when decoded, then format and image size are read', () => {
    expect(decodeBinary(frame(1, u32(1), [0xff, 0xd8, 0xff]))).toEqual({ kind: 'preview', event: 1, format: 'jpeg', imageBytes: 3 });
    expect(decodeBinary(frame(1, u32(2), [1]))).toMatchObject({ format: 'png', imageBytes: 1 });
    expect(decodeBinary(frame(1, u32(9)))).toMatchObject({ format: 'unknown', imageBytes: 0 });
  });

  it('given a type-3 text frame, when decoded, then node id and text are split by the length prefix', () => {
    const node = utf8('12.0.3');
    expect(decodeBinary(frame(3, u32(node.length), node, utf8('héllo ✓')))).toEqual({ kind: 'text', event: 3, nodeId: '12.0.3', text: 'héllo ✓' });
  });

  it('given a type-4 frame, when decoded, then the metadata JSON and image size are read', () => {
    const meta = utf8(JSON.stringify({ node_id: '3', prompt_id: 'p1', image_type: 'image/jpeg' }));
    const f = decodeBinary(frame(4, u32(meta.length), meta, [1, 2, 3, 4]));
    expect(f).toEqual({ kind: 'preview_with_metadata', event: 4, metadata: { node_id: '3', prompt_id: 'p1', image_type: 'image/jpeg' }, imageBytes: 4 });
  });

  it('given a subarray view into a larger buffer, when decoded, then the view offset is honoured', () => {
    const whole = new Uint8Array([9, 9, 9, ...frame(1, u32(2), [5])]);
    expect(decodeBinary(whole.subarray(3))).toMatchObject({ kind: 'preview', format: 'png', imageBytes: 1 });
  });

  it.each([
    ['empty', new Uint8Array(0), -1],
    ['3 bytes', new Uint8Array([0, 0, 1]), -1],
    ['type 2 (never on the wire)', frame(2, u32(1)), 2],
    ['unknown type 99', frame(99, [1, 2]), 99],
    ['type 1 without format', frame(1, [0]), 1],
    ['type 3 length past the end', frame(3, u32(50), [65]), 3],
    ['type 4 meta_len past the end', frame(4, u32(1000), utf8('{}')), 4],
    ['type 4 metadata not JSON', frame(4, u32(3), utf8('{{{')), 4],
    ['type 4 metadata without prompt_id', frame(4, u32(2), utf8('{}')), 4],
  ])('given %s, when decoded, then it is unknown_binary with its event', (_name, bytes, event) => {
    expect(decodeBinary(bytes)).toEqual({ kind: 'unknown_binary', event, bytes: bytes.byteLength });
  });

  it('given arbitrary bytes, when decoded, then it never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        decodeBinary(b);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.constantFrom(1, 3, 4), fc.nat(80), fc.uint8Array({ maxLength: 64 }), (ev, len, rest) => {
        decodeBinary(frame(ev, u32(len), rest));
      }),
      { numRuns: 2000 },
    );
  });

  it('given valid UTF-8, when the k6 fallback decodes it, then it matches TextDecoder', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(decodeUtf8Fallback(utf8(s))).toBe(s);
      }),
      { numRuns: 500 },
    );
    expect(decodeUtf8Fallback(new Uint8Array([0x61, 0xff, 0x62]))).toBe('a\ufffdb');
  });
});

describe('DecodeStats', () => {
  it('given a mix of frames, when counted, then each lands in its bucket', () => {
    const stats = new DecodeStats();
    stats.countText(decodeText('{"type":"progress","data":{"value":1,"max":2}}'));
    stats.countText(decodeText('{"type":"progress","data":{"value":2,"max":2}}'));
    stats.countText(decodeText('{"type":"mystery","data":{}}'));
    stats.countText(decodeText('nope'));
    stats.countBinary(decodeBinary(frame(1, u32(1))));
    stats.countBinary(decodeBinary(new Uint8Array(1)));
    expect(stats.snapshot()).toEqual({
      textFrames: 4,
      binaryFrames: 2,
      byType: { progress: 2 },
      unknownByType: { mystery: 1 },
      malformed: 1,
      malformedByReason: { 'invalid JSON': 1 },
      binaryByEvent: { '1': 1, '-1': 1 },
    });
    expect(stats.countOf('progress')).toBe(2);
    expect(stats.unknown).toBe(1);
  });

  it('given a server inventing endless type names, when counted, then distinct names are capped', () => {
    const stats = new DecodeStats();
    for (let i = 0; i < MAX_UNKNOWN_TYPES + 50; i += 1) stats.countText(decodeText(`{"type":"t${i}","data":{}}`));
    const names = Object.keys(stats.snapshot().unknownByType);
    expect(names).toHaveLength(MAX_UNKNOWN_TYPES + 1);
    expect(stats.snapshot().unknownByType[OTHER_UNKNOWN]).toBe(50);
    expect(stats.unknown).toBe(MAX_UNKNOWN_TYPES + 50);
  });
});
