/**
 * Percentile distributions for report.html, read from histograms.hlog: per level (and per metric
 * variant, e.g. corrected and uncorrected completion time) the merged interval histograms of the
 * measured phase, sampled on the HdrHistogram plotter's grid.
 */
import type { readHlog } from '../../metrics/hlog-reader.js';
import { mergeHistograms, US_PER_MS } from '../../metrics/hdr.js';
import { parseTag } from '../../metrics/histogram-key.js';
import type { LevelRow, PercentileDistribution } from './report-data.js';

/**
 * Percentile grid x = 1/(1−p) from 1 (p0) to 1e5 (p99.999), ten points per decade, capped by the
 * sample count; one series per level and variant (metric) of the hlog.
 */
export function percentileDistribution(
  byTag: ReturnType<typeof readHlog>,
  levels: LevelRow[],
  variants: { metric: string; suffix: string; dashed: boolean }[],
): PercentileDistribution | null {
  const series: { label: string; dashed: boolean; histogram: ReturnType<typeof mergeHistograms> }[] = [];
  for (const level of levels) {
    for (const v of variants) {
      const tags = [...byTag.keys()].filter((t) => {
        const key = parseTag(t);
        return key?.metric === v.metric && key.level === level.level && key.concurrency === level.concurrency && key.phase === 'measure';
      });
      if (tags.length === 0) continue;
      const histogram = mergeHistograms(tags.map((t) => byTag.get(t)!));
      if (histogram.totalCount > 0) series.push({ label: `${level.label}${v.suffix}`, dashed: v.dashed, histogram });
    }
  }
  if (series.length === 0) return null;
  const maxCount = Math.max(...series.map((x) => x.histogram.totalCount));
  const decades = Math.min(5, Math.max(1, Math.ceil(Math.log10(maxCount))));
  const x: number[] = [];
  for (let i = 0; i <= decades * 10; i++) x.push(10 ** (i / 10));
  return {
    x,
    series: series.map((sr) => ({
      label: sr.label,
      dashed: sr.dashed,
      values: x.map((v) => sr.histogram.getValueAtPercentile(100 * (1 - 1 / v)) / US_PER_MS),
    })),
  };
}
