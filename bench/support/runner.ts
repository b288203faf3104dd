import { Contender, Measurement, median, Workload, WorkloadResult } from './model';

/**
 * Runs every contender on a workload in turns — A B C, A B C, … — so a slow spell of this noisy machine hits them
 * all alike, and keeps the median of the rounds. Each turn gets a fresh mount: "cold" means cold.
 */
export async function runInterleaved(
  workload: Workload,
  contenders: Contender[],
  rounds: number,
  log: (line: string) => void,
): Promise<WorkloadResult> {
  const samples: WorkloadResult['samples'] = {};
  const taking = contenders
    .filter((contender) => !contender.workloads || contender.workloads.includes(workload.name))
    .filter((contender) => !contender.skips?.includes(workload.name))
    .filter((contender) => (contender.start ? true : workload.raw !== undefined));
  for (let round = 1; round <= rounds; round++) {
    for (const contender of taking) {
      const measurement = await measureOnce(workload, contender);
      log(`  ${workload.name} · round ${round}/${rounds} · ${contender.name}: ${describe(measurement)}`);
      const own = (samples[contender.name] ??= {});
      for (const [key, value] of Object.entries(measurement)) (own[key] ??= []).push(value);
    }
  }
  const medians: WorkloadResult['medians'] = {};
  for (const [name, metrics] of Object.entries(samples)) {
    medians[name] = Object.fromEntries(Object.entries(metrics).map(([key, values]) => [key, median(values)]));
  }
  const ours = contenders.find((contender) => contender.role === 'ours');
  const ratios: WorkloadResult['ratios'] = {};
  if (ours && medians[ours.name]) {
    for (const [name, figures] of Object.entries(medians)) {
      if (name === ours.name) continue;
      ratios[name] = {};
      for (const [key, value] of Object.entries(figures)) {
        const own = medians[ours.name][key];
        if (own !== undefined && value > 0) ratios[name][key] = own / value;
      }
    }
  }
  return { name: workload.name, title: workload.title, metrics: workload.metrics, samples, medians, ratios };
}

async function measureOnce(workload: Workload, contender: Contender): Promise<Measurement> {
  if (!contender.start) return workload.raw!();
  const target = await contender.start(workload.scope, { uncached: workload.uncached });
  try {
    return await workload.run(target);
  } finally {
    await target.stop();
  }
}

function describe(measurement: Measurement): string {
  return Object.entries(measurement)
    .map(([key, value]) => `${key}=${formatNumber(value)}`)
    .join(' ');
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
