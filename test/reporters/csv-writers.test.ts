import { describe, expect, it } from 'vitest';
import { METRIC_NAMES, PROMPT_METRIC_NAMES } from '../../src/metrics/metric-names.js';
import { LevelsCsvWriter, levelsCsvColumns } from '../../src/reporters/levels-csv.js';
import { RequestsCsvWriter, requestsCsvColumns } from '../../src/reporters/requests-csv.js';
import { MemorySink } from '../../src/reporters/sink.js';
import { readCsv } from '../helpers/csv-read.js';
import { levelSummaryFixture, promptRecordFixture } from './fixtures.js';

describe('requests.csv', () => {
  it('writes comments and header once, then one complete line per prompt as it settles', async () => {
    const sink = new MemorySink();
    const writer = new RequestsCsvWriter({ sink, headerComments: ['gpu: RTX 4090', 'comfyui: 0.3.64'] });
    await writer.writePrompt(promptRecordFixture());
    expect(sink.chunks).toHaveLength(2);
    await writer.writePrompt(
      promptRecordFixture({
        seq: 8,
        outcome: 'error:OutOfMemoryError',
        outcomeDetail: 'KSampler (node 3): CUDA out of memory, "tried" 2 GiB\nmore',
        flags: ['fromHistory', 'duplicateEvents'],
      }),
    );
    await writer.close();
    expect(sink.chunks).toHaveLength(3);
    expect(sink.chunks.slice(1).every((chunk) => chunk.endsWith('\n'))).toBe(true);
    expect(sink.closed).toBe(true);
    expect(writer.rows).toBe(2);

    const { comments, header, rows } = readCsv(sink.text());
    expect(comments.slice(0, 3)).toEqual([
      '# gpu: RTX 4090',
      '# comfyui: 0.3.64',
      '# levels: numbered from 1 as on the console (level 1 = L1); the warm-up is level 0',
    ]);
    expect(comments[3]).toMatch(/^# units: /);
    expect(header).toEqual(requestsCsvColumns());
    expect(rows[0]).toMatchObject({
      promptId: '3f2c0c1e-0000-4000-8000-000000000007',
      sentMs: '1200.500',
      ackMs: '1203.250',
      intendedSendMs: '',
      serverStartTs: '1764434700123.000',
      submitAckMs: '2.750',
      completionMs: '4199.500',
      outputFetchMs: '',
      samplerStartsMs: '600.125',
      stepIntervalsMs: '150.250;149.750;151.000',
      imagesOut: '2',
      flags: '',
    });
    expect(rows[1]).toMatchObject({
      outcome: 'error:OutOfMemoryError',
      outcomeDetail: 'KSampler (node 3): CUDA out of memory, "tried" 2 GiB\nmore',
      flags: 'fromHistory;duplicateEvents',
    });
  });

  it('has every per-prompt metric as a column and a unit in every time column name', () => {
    const columns = requestsCsvColumns();
    for (const metric of PROMPT_METRIC_NAMES) expect(columns).toContain(metric);
    expect(columns).toEqual(expect.arrayContaining(['samplerStartsMs', 'stepIntervalsMs']));
    const timeLike = columns.filter((column) => /(Ms|Ts)$/.test(column));
    expect(timeLike.length).toBeGreaterThan(15);
  });

  it('writes the header even when no prompt settled', async () => {
    const sink = new MemorySink();
    await new RequestsCsvWriter({ sink }).close();
    expect(readCsv(sink.text()).header).toEqual(requestsCsvColumns());
  });
});

describe('levels.csv', () => {
  it('writes a row per level with counts, outcome families, throughput and every metric figure', async () => {
    const sink = new MemorySink();
    const writer = new LevelsCsvWriter({ sink, headerComments: ['gpu: RTX 4090'] });
    await writer.writeLevel(levelSummaryFixture({ level: 0, concurrency: 1 }));
    await writer.writeLevel(levelSummaryFixture({ outcomes: { ok: 40, 'rejected:value_not_in_list': 2 } }));
    await writer.close();

    const { comments, header, rows } = readCsv(sink.text());
    expect(comments[0]).toBe('# gpu: RTX 4090');
    expect(comments[1]).toBe('# levels: numbered from 1 as on the console (level 1 = L1); the warm-up is level 0');
    expect(comments[2]).toMatch(/units: .*ms/);
    expect(header).toEqual(levelsCsvColumns());
    for (const metric of METRIC_NAMES) {
      for (const figure of ['p50', 'p90', 'p95', 'p99', 'max']) expect(header).toContain(`${metric}_${figure}`);
    }
    expect(rows).toHaveLength(2);
    // Level index 0 is L1: level 1 in the file, as on the console.
    expect(rows.map((r) => r.level)).toEqual(['1', '2']);
    expect(rows[0]).toMatchObject({
      level: '1',
      concurrency: '1',
      submitted: '42',
      ok: '40',
      notOk: '2',
      error: '1',
      timeout: '1',
      rejected: '0',
      outcomes: 'ok=40;error:OutOfMemoryError=1;timeout=1',
      promptsPerSec: '0.667',
      imagesPerMin: '80.000',
      samplerStepsPerSec: '20.000',
      durationMs: '60000.000',
      completionMs_count: '40',
      completionMs_p50: '6000.000',
      completionMs_p99: '9000.000',
      samplerStartMs_count: '40',
      samplerStartMs_p50: '600.000',
      stepIntervalMs_count: '800',
      submitAckMs_count: '0',
      submitAckMs_p50: '',
    });
    expect(rows[1]).toMatchObject({ rejected: '2', error: '0' });
  });
});
