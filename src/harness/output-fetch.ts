/**
 * `--fetch-outputs`: after a prompt finished, download every output image through `/view` and
 * check it is an image, as a client that shows the result would. Both engines (closed and open
 * loop, the capacity search included) fetch the same way; the time goes into `outputFetchMs`,
 * a failed or broken download turns the prompt into `error:InvalidOutput`.
 */
import type { PromptMarks } from '../comfy/marks.js';
import type { Clock } from './clock.js';
import type { ComfyHttp } from './comfy-http.js';
import { checkImage } from './output-check.js';
import type { RecordContext } from './prompt-record.js';

/** What one download of a prompt's outputs adds to its record. */
export type OutputFetchFields = Pick<RecordContext, 'outputFetchMs' | 'outputFetchedAtMs' | 'outputProblem'>;

/** Downloads and checks every output image of `nodes`; the record fields saying how long it took and what was wrong. */
export async function fetchOutputs(http: Pick<ComfyHttp, 'view'>, clock: Clock, nodes: PromptMarks['nodes']): Promise<OutputFetchFields> {
  const started = clock.now();
  const problem = await firstProblem(http, nodes);
  const outputFetchedAtMs = clock.now();
  return { outputFetchMs: outputFetchedAtMs - started, outputFetchedAtMs, ...(problem !== undefined ? { outputProblem: problem } : {}) };
}

async function firstProblem(http: Pick<ComfyHttp, 'view'>, nodes: PromptMarks['nodes']): Promise<string | undefined> {
  for (const node of Object.values(nodes)) {
    for (const image of node.output?.images ?? []) {
      try {
        const check = checkImage(await http.view(image));
        if (!check.ok) return `output ${image.filename}: ${check.reason}`;
      } catch (err) {
        return `output ${image.filename}: ${(err as Error).message}`;
      }
    }
  }
  return undefined;
}
