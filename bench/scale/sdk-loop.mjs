// A peer for bench/scale.ts: the load a user would write on @saintno/comfyui-sdk — `concurrency`
// loops, each with a ComfyApi of its own (its own WebSocket), submitting the workflow through
// CallWrapper and waiting for it to finish, until `prompts` were submitted. Stamps (performance.now)
// each prompt's submission, start, progress events and end, and writes them as JSON to `out`.
// Args: url workflow.json concurrency prompts out.json
import { readFileSync, writeFileSync } from 'node:fs';
import { CallWrapper, ComfyApi, PromptBuilder } from '@saintno/comfyui-sdk';

const [url, workflowPath, c, n, out] = process.argv.slice(2);
const concurrency = Number(c);
const prompts = Number(n);
const workflow = JSON.parse(readFileSync(workflowPath, 'utf8'));
const records = [];
let next = 0;
const HANG_MS = 20_000;

async function loop(api) {
  while (next < prompts) {
    const seed = next++;
    if (process.env.SDK_DEBUG) console.error('submit', seed);
    const rec = { promptId: '', submitMs: performance.now(), startMs: 0, steps: [], doneMs: 0, ok: false, hung: false };
    const builder = new PromptBuilder(workflow, ['seed'], ['images']).setInputNode('seed', '3.inputs.seed').setOutputNode('images', '9').input('seed', seed);
    const run = new CallWrapper(api, builder)
      .onPending((id) => (rec.promptId = id ?? ''))
      .onStart(() => (rec.startMs = performance.now()))
      .onProgress(() => rec.steps.push(performance.now()))
      .onFinished(() => (rec.ok = !rec.hung))
      .onFailed(() => (rec.ok = false))
      .run();
    // CallWrapper attaches its progress/executed listeners only after a /history read that follows
    // `executing`: a prompt that finishes meanwhile is never reported. Such a prompt counts as hung.
    const hung = await Promise.race([run.then(() => false), new Promise((r) => setTimeout(r, HANG_MS, true))]);
    if (hung) rec.hung = true;
    rec.doneMs = performance.now();
    records.push(rec);
  }
}

const apis = await Promise.all(Array.from({ length: concurrency }, (_, i) => new ComfyApi(url, `sdk-loop-${process.pid}-${i}`).init(5, 500).waitForReady()));
await Promise.all(apis.map(loop));
writeFileSync(out, JSON.stringify(records));
for (const a of apis) a.destroy();
process.exit(0);
