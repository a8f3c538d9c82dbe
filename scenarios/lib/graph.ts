/** The graph of prompt `seq`: the plan's prepared workflow with its seeds and its `--prompt-file` text. */
import type { ApiWorkflow } from '../../src/comfy/http-types.js';
import { applySeedSequence } from '../../src/comfy/seed-sequence.js';
import type { K6Plan } from '../../src/metrics/k6-wire.js';

export function promptGraph(plan: K6Plan, seq: number): ApiWorkflow {
  const graph = applySeedSequence(plan.workflow, plan.seedPolicy, seq, plan.seed);
  if (plan.promptTexts.length === 0) return graph;
  const text = plan.promptTexts[seq % plan.promptTexts.length] ?? '';
  for (const target of plan.textTargets) {
    const node = graph[target.nodeId];
    if (node !== undefined) node.inputs[target.input] = text;
  }
  return graph;
}
