#!/usr/bin/env -S node --max-semi-space-size=2 --initial-old-space-size=48 --max-old-space-size=1024
// The flags above keep the daemon's memory predictable under load (measured: a 64 MiB-cache S3 mount read by 32
// threads peaked at 190-204 MiB instead of 270). The 48 MiB initial old space is for streaming from S3: V8 counts
// every HTTP body chunk as external memory, and with the default it ran a full collection per ~11 MB received (about
// 110 per GiB, half the daemon's CPU); with 48 MiB, 40 per GiB. 64 MiB halved that again but let the load test's
// peak RSS over its cap. Run `node --max-old-space-size=N dist/main.js …` for huge directories.
import 'reflect-metadata';

// The pinned AWS SDK supports Node 20; its notice about future releases needing Node 22 is not for our users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { CommandFactory } from 'nest-commander';
import { join } from 'node:path';
import { CliModule } from './cli/cli.module';
import { exitOnCommanderError } from './cli/commander-exit';
import { UsageError } from './cli/usage.error';

const EXIT_USAGE = 2;

function fail(error: Error): never {
  const usage = error instanceof UsageError;
  process.stderr.write(`nestjs-fuse: ${error.message}\n`);
  process.exit(usage ? EXIT_USAGE : 1);
}

async function main(): Promise<void> {
  const { version } = require(join(__dirname, '..', 'package.json')) as { version: string };
  await CommandFactory.run(CliModule, {
    logger: ['error', 'warn'],
    version,
    cliName: 'nestjs-fuse',
    errorHandler: exitOnCommanderError,
    serviceErrorHandler: (error: Error) => fail(error),
  });
  process.exit(process.exitCode ?? 0);
}

main().catch((error: Error) => fail(error));
