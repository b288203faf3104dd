import { Target } from './mounted';

/** One figure a workload reports; `better` says which way is good, so ratios read the right way round. */
export interface Metric {
  key: string;
  label: string;
  better: 'higher' | 'lower';
}

export type Measurement = Record<string, number>;

/** How a workload wants its mounts: `uncached` turns the kernel's (and the daemon's) name and attribute caches off. */
export interface StartOptions {
  uncached?: boolean;
}

/** A contender: how to bring up a fresh instance of it for one measurement. */
export interface Contender {
  name: string;
  role: 'ceiling' | 'peer' | 'ours';
  /** A fresh mount (or direct access) for `scope`, e.g. the bucket a workload reads; absent for the raw SDK. */
  start?(scope: string, options: StartOptions): Promise<Target>;
  /** The workloads it takes part in, when not all (a variant of ours that only one workload is about). */
  workloads?: string[];
  /** The workloads it sits out (one it cannot be configured for). */
  skips?: string[];
}

/** A workload measured on a filesystem path, or — for the raw SDK ceiling — by a function of its own. */
export interface Workload {
  name: string;
  title: string;
  /** What the contender is started on (a bucket, or a directory). */
  scope: string;
  metrics: Metric[];
  /** Mount with the name and attribute caches off. */
  uncached?: boolean;
  run(target: Target): Promise<Measurement>;
  /** The same work done with the SDK directly (the S3 ceiling). */
  raw?(): Promise<Measurement>;
}

export interface WorkloadResult {
  name: string;
  title: string;
  metrics: Metric[];
  /** contender → metric → samples, in round order. */
  samples: Record<string, Record<string, number[]>>;
  medians: Record<string, Measurement>;
  /** contender → metric → ours ÷ contender. */
  ratios: Record<string, Measurement>;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
