// A peer for bench/scale.ts: the load a user would write on @saintno/comfyui-sdk — `concurrency`
// loops, each with a ComfyApi of its own (its own WebSocket), submitting the workflow through
// CallWrapper and waiting for it to finish, until `prompts` were submitted. Stamps (performance.now)
// each prompt's submission, start (its `execution_start`, heard through the ComfyApi's own event
// API), sampler steps (CallWrapper's onProgress, by step number) and end (onFinished), and writes
// them as JSON to `out`.
// Two things the SDK needs that a first loop got wrong (bench/README.md, the table note):
//  * ComfyApi.waitForReady() resolves once the HTTP feature probes answer, not when the socket is
//    open: a prompt submitted before that has its events sent to no socket (as ComfyUI does for a
//    client_id with no socket), so each loop waits for its ComfyApi's `connected` first;
//  * CallWrapper.run() never settles when its `status` handler (a GET /queue per status frame)
//    finds the prompt finished before the prompt's `executing` was processed — it then calls
//    onFinished but stays at `await promptLoadCached`. A prompt is done at onFinished / onFailed
//    or when run() settles, whichever comes first.
// The SDK's async `status` listener lets a failed GET /queue escape (EventTarget rethrows it as an
// uncaught exception), which would end the process: such errors are counted (`unhandled` in the
// output) and the loop goes on.
// Args: url workflow.json concurrency prompts out.json
import { readFileSync, writeFileSync } from 'node:fs';
import { CallWrapper, ComfyApi, PromptBuilder } from '@saintno/comfyui-sdk';

const [url, workflowPath, c, n, out] = process.argv.slice(2);
const concurrency = Number(c);
const prompts = Number(n);
const workflow = JSON.parse(readFileSync(workflowPath, 'utf8'));
const records = [];
let next = 0;
const HANG_MS = 180_000;
/** execution_start per prompt id, whichever socket heard it (one listener per ComfyApi). */
const started = new Map();
let unhandled = 0;
process.on('unhandledRejection', () => unhandled++);
process.on('uncaughtException', () => unhandled++);

async function loop(api) {
  while (next < prompts) {
    const seed = next++;
    const rec = { promptId: '', submitMs: performance.now(), startMs: 0, steps: [], doneMs: 0, ok: false, hung: false };
    const builder = new PromptBuilder(workflow, ['seed'], ['images']).setInputNode('seed', '3.inputs.seed').setOutputNode('images', '9').input('seed', seed);
    let settle;
    const done = new Promise((r) => (settle = r));
    const run = new CallWrapper(api, builder)
      .onPending((id) => (rec.promptId = id ?? ''))
      .onProgress((p) => {
        // steps[k] = when step k+1 was heard; a step the SDK did not report stays null.
        if (p.prompt_id === rec.promptId) rec.steps[p.value - 1] = performance.now();
      })
      .onFinished(() => settle(true))
      .onFailed(() => settle(false))
      .run();
    run.then(
      (v) => settle(v !== false && v !== undefined),
      () => settle(false),
    );
    const timer = setTimeout(settle, HANG_MS, 'hung');
    const outcome = await done;
    clearTimeout(timer);
    rec.doneMs = performance.now();
    rec.hung = outcome === 'hung';
    rec.ok = outcome === true;
    rec.startMs = started.get(rec.promptId) ?? 0;
    for (let i = 0; i < rec.steps.length; i++) rec.steps[i] ??= null;
    records.push(rec);
  }
}

async function open(i) {
  const api = new ComfyApi(url, `sdk-loop-${process.pid}-${i}`);
  const connected = new Promise((r) => api.on('connected', r));
  api.on('execution_start', (ev) => started.set(ev.detail.prompt_id, performance.now()));
  await api.init(5, 500).waitForReady();
  await connected;
  return api;
}

const apis = await Promise.all(Array.from({ length: concurrency }, (_, i) => open(i)));
await Promise.all(apis.map(loop));
writeFileSync(out, JSON.stringify({ records, unhandled }));
for (const a of apis) a.destroy();
process.exit(0);
