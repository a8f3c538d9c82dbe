/**
 * vram.csv: the VRAM timeline, one row per device per `/system_stats` sample, appended as samples
 * arrive. Each row says when (ms since the run start), which level and phase the run was in and
 * how many of its prompts were in flight, then the device's memory in bytes and system RAM.
 * "Used" is ComfyUI's `vram_total − vram_free`, which counts torch's reserved-but-unused pool as
 * free, unlike nvidia-smi: the units comment says so in the file itself.
 */
import { stringify } from 'csv-stringify/sync';
import type { Phase, VramSample } from '../metrics/result-types.js';
import { levelNumber } from '../metrics/level-number.js';
import { VRAM_USED_DEFINITION } from '../metrics/vram-stats.js';
import { formatMs } from './format.js';
import { levelsCsvComments } from './levels-csv.js';
import { commentBlock, toSink, type Sink, type SinkLike } from './sink.js';

export const VRAM_CSV_COLUMNS = [
  'atMs',
  'pollMs',
  'level',
  'phase',
  'concurrency',
  'inFlight',
  'target',
  'device',
  'deviceName',
  'memory',
  'vramTotalBytes',
  'vramUsedBytes',
  'torchReservedBytes',
  'torchActiveBytes',
  'ramTotalBytes',
  'ramUsedBytes',
] as const;

export const VRAM_CSV_UNITS = `units: atMs ms since the run start (midpoint of the poll), pollMs ms, *Bytes bytes; target = index of the server polled; ${VRAM_USED_DEFINITION}`;

/** The comment line of a file with a CPU device: its vram* columns are system RAM. */
export const VRAM_CSV_CPU_NOTE =
  'memory system-ram: the device is the CPU (ComfyUI --cpu), whose /system_stats reports the machine RAM as its device memory: vramTotalBytes and vramUsedBytes are system RAM, torch columns are empty';

/** The rows of one sample, one per device. */
export function vramCsvRows(sample: VramSample): string[][] {
  return sample.devices.map((d) => {
    const ram = d.memory === 'system-ram';
    return [
      formatMs(sample.atMs),
      formatMs(sample.pollMs),
      String(levelNumber(sample.level, sample.phase)),
      sample.phase,
      String(sample.concurrency),
      String(sample.inFlight),
      String(sample.target ?? 0),
      String(d.device),
      d.name,
      d.memory ?? 'vram',
      String(d.vramTotalBytes),
      String(d.vramUsedBytes),
      ram ? '' : String(d.torchReservedBytes),
      ram ? '' : String(d.torchActiveBytes),
      String(sample.ramTotalBytes),
      String(sample.ramUsedBytes),
    ];
  });
}

/** Samples back from vram.csv rows as `readResultsCsv` gives them (keyed by header, `level` the index); rows of one sample are consecutive. */
export function vramSamplesFromRows(rows: readonly Record<string, string>[]): VramSample[] {
  const samples: VramSample[] = [];
  let current: VramSample | undefined;
  for (const row of rows) {
    const n = (key: (typeof VRAM_CSV_COLUMNS)[number]): number => Number(row[key] ?? Number.NaN);
    const device = n('device');
    // Files of one target (and older ones) have no target column: all target 0.
    const target = row.target === undefined || row.target === '' ? 0 : n('target');
    if (current === undefined || device === 0 || current.atMs !== n('atMs') || (current.target ?? 0) !== target) {
      current = {
        target,
        atMs: n('atMs'),
        pollMs: n('pollMs'),
        level: n('level'),
        phase: (row.phase ?? 'measure') as Phase,
        concurrency: n('concurrency'),
        inFlight: n('inFlight'),
        ramTotalBytes: n('ramTotalBytes'),
        ramUsedBytes: n('ramUsedBytes'),
        devices: [],
      };
      samples.push(current);
    }
    const memory = row.memory === 'system-ram' ? 'system-ram' : 'vram';
    current.devices.push({
      device,
      name: row.deviceName ?? '',
      memory,
      vramTotalBytes: n('vramTotalBytes'),
      vramUsedBytes: n('vramUsedBytes'),
      torchReservedBytes: memory === 'system-ram' ? 0 : n('torchReservedBytes'),
      torchActiveBytes: memory === 'system-ram' ? 0 : n('torchActiveBytes'),
    });
  }
  return samples;
}

export interface VramCsvWriterOptions {
  sink: SinkLike;
  /** `key: value` comment lines (environment fingerprint) written above the header. */
  headerComments?: readonly string[];
  /** Some target runs on the CPU: the file says its memory columns are system RAM. */
  systemRam?: boolean;
}

/** Streams samples: comments and header first (or on close), then one write per sample. */
export class VramCsvWriter {
  readonly #sink: Sink;
  readonly #headerComments: readonly string[];
  #headerWritten = false;

  constructor(options: VramCsvWriterOptions) {
    this.#sink = toSink(options.sink);
    this.#headerComments = [...(options.headerComments ?? []), ...(options.systemRam === true ? [VRAM_CSV_CPU_NOTE] : [])];
  }

  async writeHeader(): Promise<void> {
    if (this.#headerWritten) return;
    this.#headerWritten = true;
    await this.#sink.write(commentBlock(levelsCsvComments(this.#headerComments, VRAM_CSV_UNITS)) + stringify([[...VRAM_CSV_COLUMNS]]));
  }

  async writeSample(sample: VramSample): Promise<void> {
    await this.writeHeader();
    const rows = vramCsvRows(sample);
    if (rows.length > 0) await this.#sink.write(stringify(rows));
  }

  async close(): Promise<void> {
    await this.writeHeader();
    await this.#sink.close?.();
  }
}
