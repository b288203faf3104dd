import type { OpObserver } from './metrics/op-observer.interface';
/** One op's figures: latencies from the request's arrival in JavaScript to its answer, in microseconds. */
export interface OpLatencyRow {
  op: string;
  count: number;
  /** Answers that were a negative errno. */
  errors: number;
  /** Percentiles are the upper bound of their power-of-two bucket: "at most this long". */
  p50Us: number;
  p90Us: number;
  p99Us: number;
  maxUs: number;
  totalMs: number;
}

/** Bucket i holds latencies in [2^(i-1), 2^i) µs (bucket 0: under 1 µs); the last one everything longer. */
const BUCKETS = 36;

class OpHistogram {
  readonly buckets = new Float64Array(BUCKETS);
  count = 0;
  errors = 0;
  maxUs = 0;
  totalUs = 0;

  record(us: number, failed: boolean): void {
    const bucket = us < 1 ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log2(us)) + 1);
    this.buckets[bucket] += 1;
    this.count += 1;
    if (failed) this.errors += 1;
    if (us > this.maxUs) this.maxUs = us;
    this.totalUs += us;
  }

  percentile(fraction: number): number {
    const rank = Math.max(1, Math.ceil(this.count * fraction));
    let seen = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      seen += this.buckets[bucket];
      if (seen >= rank) return Math.min(2 ** bucket, this.maxUs);
    }
    return this.maxUs;
  }
}

/**
 * Per-op latency histograms of one mount (`opStats`): where a workload's time goes, op by op, without a profiler —
 * e.g. that a slow `ls -l` is two getxattr round trips per file, or that reads queue behind a lock.
 */
export class OpLatencyStats implements OpObserver {
  private readonly ops = new Map<string, OpHistogram>();

  started(): void {}

  answered(op: string, seconds: number, errno: number): void {
    this.record(op, seconds * 1e6, errno !== 0);
  }

  record(op: string, us: number, failed: boolean): void {
    let histogram = this.ops.get(op);
    if (!histogram) {
      histogram = new OpHistogram();
      this.ops.set(op, histogram);
    }
    histogram.record(us, failed);
  }

  /** Every op seen so far, the busiest (by total time) first. */
  rows(): OpLatencyRow[] {
    return [...this.ops.entries()]
      .map(([op, h]) => ({
        op,
        count: h.count,
        errors: h.errors,
        p50Us: h.percentile(0.5),
        p90Us: h.percentile(0.9),
        p99Us: h.percentile(0.99),
        maxUs: h.maxUs,
        totalMs: h.totalUs / 1000,
      }))
      .sort((a, b) => b.totalMs - a.totalMs);
  }

  /** The rows as a plain-text table, for the log. */
  format(): string {
    return formatOpLatency(this.rows());
  }
}

/** Op latency rows as a plain-text table. */
export function formatOpLatency(rows: readonly OpLatencyRow[]): string {
  if (rows.length === 0) return 'no requests reached JavaScript';
  const header = ['op', 'count', 'errors', 'p50 ≤', 'p90 ≤', 'p99 ≤', 'max', 'total'];
  const lines = rows.map((row) => [
    row.op,
    String(row.count),
    String(row.errors),
    formatMicros(row.p50Us),
    formatMicros(row.p90Us),
    formatMicros(row.p99Us),
    formatMicros(row.maxUs),
    formatMicros(row.totalMs * 1000),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column].length)));
  return [header, ...lines]
    .map((line) => line.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  '))
    .join('\n');
}

function formatMicros(us: number): string {
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}
