/**
 * UTF-8 decoding that works in Node and in k6 alike. k6's runtime has no guaranteed global
 * `TextDecoder`, so when it is missing we fall back to a small decoder of our own rather than
 * pulling a polyfill into every scenario bundle.
 */

interface Utf8Decoder {
  decode(bytes: Uint8Array): string;
}

/** The runtime's `TextDecoder`, looked up on globalThis: the core is typed without Node or DOM globals. */
const TextDecoderCtor = (globalThis as { TextDecoder?: new (label: string) => Utf8Decoder }).TextDecoder;

let decoder: Utf8Decoder | null | undefined;

function nativeDecoder(): Utf8Decoder | null {
  if (decoder === undefined) {
    decoder = typeof TextDecoderCtor === 'function' ? new TextDecoderCtor('utf-8') : null;
  }
  return decoder;
}

/** Decodes UTF-8 bytes; invalid sequences become U+FFFD, as `TextDecoder` does. */
export function decodeUtf8(bytes: Uint8Array): string {
  const native = nativeDecoder();
  return native ? native.decode(bytes) : decodeUtf8Fallback(bytes);
}

/** The fallback decoder, exported so tests can check it against `TextDecoder`. */
export function decodeUtf8Fallback(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b0 = bytes[i]!;
    let cp = 0xfffd;
    let need = 0;
    let min = 0;
    if (b0 < 0x80) {
      cp = b0;
    } else if (b0 >= 0xc2 && b0 <= 0xdf) {
      need = 1;
      cp = b0 & 0x1f;
      min = 0x80;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2;
      cp = b0 & 0x0f;
      min = 0x800;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3;
      cp = b0 & 0x07;
      min = 0x10000;
    }
    i += 1;
    let ok = true;
    for (let k = 0; k < need; k += 1) {
      const b = bytes[i];
      if (b === undefined || (b & 0xc0) !== 0x80) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (b & 0x3f);
      i += 1;
    }
    if (!ok || (need > 0 && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)))) cp = 0xfffd;
    out += String.fromCodePoint(cp);
  }
  return out;
}
