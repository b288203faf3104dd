// `npm run bench [-- --quick] [-- --only local|s3] [-- --rounds N] [-- --workload NAME]`: every contender side by side, interleaved,
// medians printed as Markdown tables with our ratios, and written as JSON to bench/results/.
// The SDK's notice about future Node versions is noise in a benchmark's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Cleanup } from './support/cleanup';
import { ensurePeerTools } from './support/peer-tools';
import { checkGoals, formatGoals, formatTable, GoalCheck } from './support/report';
import { runInterleaved } from './support/runner';
import { FULL, QUICK } from './support/sizes';
import { Suite } from './support/suite';
import { WorkloadResult } from './support/model';
import { localSuite } from './suites/local.suite';
import { s3Suite } from './suites/s3.suite';

interface Args {
  quick: boolean;
  only?: 'local' | 's3';
  rounds?: number;
  /** Run only the workloads with these names (e.g. ls-l). */
  workloads?: string[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') args.quick = true;
    else if (arg === '--only' && (argv[i + 1] === 'local' || argv[i + 1] === 's3')) args.only = argv[++i] as 'local' | 's3';
    else if (arg === '--rounds' && Number(argv[i + 1]) >= 1) args.rounds = Number(argv[++i]);
    else if (arg === '--workload' && argv[i + 1]) (args.workloads ??= []).push(argv[++i]);
    else throw new Error(`unknown benchmark argument "${arg}"; use --quick, --only local|s3, --rounds N, --workload NAME`);
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const sizes = { ...(args.quick ? QUICK : FULL), ...(args.rounds ? { rounds: args.rounds } : {}) };
  const cleanup = new Cleanup();
  cleanup.installSignalHandlers();
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const started = new Date();
  const machine = {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
  };
  const report: Array<{ suite: string; results: WorkloadResult[]; goals: GoalCheck[] }> = [];
  try {
    await ensurePeerTools(log);
    const work = cleanup.directory(await mkdtemp(join(tmpdir(), 'nestjs-fuse-bench-')));
    const builders = { local: localSuite, s3: s3Suite };
    for (const name of args.only ? [args.only] : (['local', 's3'] as const)) {
      log(`${name}: creating the data…`);
      const suite: Suite = await builders[name](work, sizes, cleanup);
      try {
        const results: WorkloadResult[] = [];
        const chosen = suite.workloads.filter((workload) => !args.workloads || args.workloads.includes(workload.name));
        for (const workload of chosen) results.push(await runInterleaved(workload, suite.contenders, sizes.rounds, log));
        const ours = suite.contenders.find((contender) => contender.role === 'ours')!.name;
        const goals = checkGoals(suite.goals, results, ours);
        report.push({ suite: suite.name, results, goals });
        process.stdout.write(
          `${results.map((result) => formatTable(suite.name, result, suite.contenders)).join('\n')}\n${formatGoals(suite.name, goals)}\n`,
        );
      } finally {
        await suite.tearDown();
      }
    }
  } finally {
    await cleanup.all();
  }
  const directory = join(__dirname, 'results');
  await mkdir(directory, { recursive: true });
  const file = join(directory, `${started.toISOString().replace(/[:.]/g, '-')}${args.quick ? '-quick' : ''}.json`);
  await writeFile(file, `${JSON.stringify({ date: started.toISOString(), machine, quick: args.quick, rounds: sizes.rounds, report }, null, 2)}\n`);
  process.stdout.write(
    `\n${started.toISOString()} · ${machine.cpus} × ${machine.cpu} · ${machine.memoryGiB} GiB · Linux ${machine.kernel} · Node ${machine.node}\nresults: ${file}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
