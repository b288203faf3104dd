import { formatNumber } from './runner';
import { Contender, WorkloadResult } from './model';

/** A goal of the performance issue (a "target" there), checked against one run's medians. */
export interface Goal {
  workload: string;
  metric: string;
  /** The contender the ratio is taken against; absent for a bound on our own figure. */
  versus?: string;
  /** Whose figure is divided by `versus`'s: ours when absent (a variant of ours, e.g. without passthrough). */
  subject?: string;
  atLeast?: number;
  atMost?: number;
  text: string;
}

export interface GoalCheck extends Goal {
  measured?: number;
  met?: boolean;
}

/** One Markdown table per workload: the medians of every contender, then ours ÷ each other contender. */
export function formatTable(suite: string, result: WorkloadResult, contenders: Contender[]): string {
  const ours = contenders.find((contender) => contender.role === 'ours')?.name;
  const header = `| contender | ${result.metrics.map((m) => `${m.label} ${m.better === 'higher' ? '↑' : '↓'}`).join(' | ')} |`;
  const rule = `|---|${result.metrics.map(() => '---:').join('|')}|`;
  const rows = contenders
    .filter((contender) => result.medians[contender.name])
    .map((contender) => {
      const figures = result.medians[contender.name];
      const label = contender.role === 'ceiling' ? `${contender.name} (ceiling)` : contender.name;
      return `| ${label} | ${result.metrics.map((m) => (figures[m.key] === undefined ? '–' : formatNumber(figures[m.key]))).join(' | ')} |`;
    });
  const ratioRows = Object.entries(result.ratios).map(
    ([name, ratios]) =>
      `| ${ours} ÷ ${name} | ${result.metrics.map((m) => (ratios[m.key] === undefined ? '–' : `${ratios[m.key].toFixed(2)}×`)).join(' | ')} |`,
  );
  return [`#### ${suite} · ${result.title}`, '', header, rule, ...rows, ...ratioRows, ''].join('\n');
}

export function checkGoals(goals: Goal[], results: WorkloadResult[], ours: string): GoalCheck[] {
  return goals.map((goal) => {
    const result = results.find((candidate) => candidate.name === goal.workload);
    const subject = result?.medians[goal.subject ?? ours]?.[goal.metric];
    const versus = goal.versus ? result?.medians[goal.versus]?.[goal.metric] : undefined;
    const measured = !goal.versus ? subject : subject !== undefined && versus ? subject / versus : undefined;
    if (measured === undefined) return { ...goal };
    const met = (goal.atLeast === undefined || measured >= goal.atLeast) && (goal.atMost === undefined || measured <= goal.atMost);
    return { ...goal, measured, met };
  });
}

export function formatGoals(suite: string, checks: GoalCheck[]): string {
  const lines = checks.map((check) => {
    const bound = check.atLeast !== undefined ? `≥ ${formatNumber(check.atLeast)}` : `≤ ${formatNumber(check.atMost ?? NaN)}`;
    const unit = check.versus ? '×' : '';
    const measured = check.measured === undefined ? 'not measured' : `${formatNumber(check.measured)}${unit}`;
    const verdict = check.met === undefined ? '–' : check.met ? 'met' : '**missed**';
    return `| ${check.text} | ${bound}${unit} | ${measured} | ${verdict} |`;
  });
  return [`#### ${suite} · targets of the performance issue`, '', '| target | bound | measured | |', '|---|---:|---:|---|', ...lines, ''].join('\n');
}
