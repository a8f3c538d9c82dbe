/**
 * What users bring from other tools (issue 15): short aliases for the common flags, the flags of
 * k6/locust/hey named by their comfyload spelling, rates spelt out, and a `.ui.json` workflow's
 * run named without its format suffix; an unresolvable host named as such; `comfyload` alone prints usage.
 */
import { copyFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/cli.js';
import { nameFromPath } from '../../src/session/build-plan.js';
import { planFrom, Scratch, testIO } from './helpers.js';

let s: Scratch;
let wf: string;

beforeAll(() => {
  s = new Scratch();
  wf = s.path('workflow.json');
});
afterAll(() => s.remove());

describe('flags users bring from other tools', () => {
  it('-c -n -u -w are --concurrency --prompts --url --workflow; -d is --duration', async () => {
    const { plan } = await planFrom(['-w', wf, '-c', '1,8', '-n', '7'], {}, s.dir);
    expect(plan.levels).toEqual([{ concurrency: 1 }, { concurrency: 8 }]);
    expect(plan.promptsPerLevel).toBe(7);
    expect(plan.workflowPath).toBe(wf);
    const timed = await planFrom(['-w', wf, '-d', '90s'], {}, s.dir);
    expect(timed.plan.durationMs).toBe(90_000);
  });

  it.each([
    ['--out', '--results-dir'],
    ['--rps', '--rate'],
    ['--vus', '--concurrency'],
    ['--iterations', '--prompts'],
  ])('%s suggests %s', async (foreign, ours) => {
    const io = testIO(s.dir);
    expect(await main(['run', foreign, 'x'], io)).toBe(2);
    expect(io.stderr.text).toContain(`Unknown flag \`${foreign}\` for \`comfyload run\``);
    expect(io.stderr.text).toContain(`did you mean \`${ours}\`?`);
  });

  it('accepts /second, /minute, /hour as well as /s, /min, /h', async () => {
    const { plan } = await planFrom(['-w', wf, '--rate', '12/minute,0.5/second,1800/hour'], {}, s.dir);
    expect(plan.openLoop?.ratesPerSec).toEqual([0.2, 0.5, 0.5]);
  });

  it('names a run of x.ui.json (or x.api.json) x, not x.ui', async () => {
    expect(nameFromPath('/w/sdxl-base.ui.json')).toBe('sdxl-base');
    expect(nameFromPath('flux.api.json')).toBe('flux');
    expect(nameFromPath('my.ui.workflow.json')).toBe('my.ui.workflow');
    const ui = s.path('editor.ui.json');
    copyFileSync(wf, ui);
    const { plan } = await planFrom(['-w', ui], {}, s.dir);
    expect(plan.name).toBe('editor');
  });

  it('a host name that does not resolve is named as such, not "start ComfyUI"', async () => {
    const io = testIO(s.dir);
    // `.invalid` never resolves (RFC 2606): nothing is sent anywhere.
    expect(await main(['run', '-u', 'http://no-such-host.invalid:8188', '-w', wf], io)).toBe(3);
    expect(io.stderr.text).toContain('the host name `no-such-host.invalid` did not resolve (E');
    expect(io.stderr.text).toContain('fix: Check the spelling of `no-such-host.invalid` in --url');
    expect(io.stderr.text).not.toContain('Start ComfyUI');
  }, 30_000);

  it('`comfyload` alone prints the usage on stdout and exits 0', async () => {
    const io = testIO(s.dir);
    expect(await main([], io)).toBe(0);
    expect(io.stdout.text).toMatch(/^comfyload: load-test and benchmark ComfyUI GPU servers\n\nUsage: comfyload <command> \[options\]/);
    expect(io.stdout.text).toContain('\n  comfyload run\n');
    expect(io.stderr.text).toBe('');
  });
});
