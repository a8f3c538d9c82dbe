/**
 * The editor's dynamic prompts (ComfyUI_frontend `processDynamicPrompt`, applied when a prompt is
 * queued or exported to every text widget whose input is marked `dynamicPrompts`, such as
 * CLIPTextEncode's `text`): C-style comments are removed and each `{a|b|c}` group is replaced by
 * one of its options, picked at random, nested groups included; `\{`, `\|`, `\}` stay literal.
 */

/** Resolves one text; `random` returns a number in [0, 1) like Math.random. */
export function resolveDynamicPrompt(source: string, random: () => number): string {
  const text = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*/g, '');
  const reader = { text, at: 0 };
  let out = '';
  while (reader.at < text.length) {
    const c = text[reader.at++]!;
    if (c === '\\') out += escaped(reader);
    else if (c === '{') out += pickOption(reader, random);
    else out += c;
  }
  return out.replace(/\\([{}|])/g, '$1');
}

interface Reader {
  text: string;
  at: number;
}

/** A backslash and the character it protects, both kept (the final pass drops the backslash). */
function escaped(reader: Reader): string {
  return `\\${reader.text[reader.at++] ?? ''}`;
}

/** Reads up to the `}` closing the group at `reader.at` and resolves one option of it. */
function pickOption(reader: Reader, random: () => number): string {
  const options: string[] = [];
  let option = '';
  let depth = 0;
  while (reader.at < reader.text.length) {
    const c = reader.text[reader.at++]!;
    if (c === '\\') {
      option += escaped(reader);
      continue;
    }
    if (c === '}' && depth === 0) break;
    if (c === '|' && depth === 0) {
      options.push(option);
      option = '';
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') depth--;
    option += c;
  }
  options.push(option);
  return resolveDynamicPrompt(options[Math.floor(random() * options.length)] ?? '', random);
}
