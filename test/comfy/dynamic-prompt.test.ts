/** The editor's dynamic prompts (ComfyUI_frontend processDynamicPrompt), resolved with a chosen random source. */
import { describe, expect, it } from 'vitest';
import { resolveDynamicPrompt } from '../../src/comfy/dynamic-prompt.js';

/** A random source returning the given values in turn. */
function picks(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

describe('resolveDynamicPrompt', () => {
  it('leaves plain text as it is', () => {
    expect(resolveDynamicPrompt('beautiful scenery, purple galaxy bottle,', picks(0))).toBe('beautiful scenery, purple galaxy bottle,');
  });

  it('picks one option per group by the random source', () => {
    expect(resolveDynamicPrompt('a {red|green|blue} fox', picks(0))).toBe('a red fox');
    expect(resolveDynamicPrompt('a {red|green|blue} fox', picks(0.5))).toBe('a green fox');
    expect(resolveDynamicPrompt('a {red|green|blue} fox', picks(0.99))).toBe('a blue fox');
  });

  it('resolves nested groups inside the chosen option, and empty options', () => {
    expect(resolveDynamicPrompt('{a {big|small} cat|a dog}', picks(0, 0.9))).toBe('a small cat');
    expect(resolveDynamicPrompt('x{|, y}', picks(0))).toBe('x');
  });

  it('removes line and block comments first', () => {
    expect(resolveDynamicPrompt('a fox /* not {this|that} */ at dusk\n// whole line\nend', picks(0))).toBe('a fox  at dusk\n\nend');
  });

  it('keeps escaped braces and bars literal', () => {
    expect(resolveDynamicPrompt('\\{not a group\\} a\\|b {x|y}', picks(0.9))).toBe('{not a group} a|b y');
  });
});
