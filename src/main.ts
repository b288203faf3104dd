#!/usr/bin/env -S node --max-semi-space-size=2 --initial-old-space-size=40 --max-old-space-size=1024
// The flags above keep the daemon's memory predictable under load (measured: a 64 MiB-cache S3 mount read by 32
// threads for 60 s peaked at 200 MiB instead of 270). The 40 MiB initial old space is for streaming: V8 counts buffer
// memory as external and, with the default, ran a full collection per ~11 MB of it; with 40 MiB a 1 GiB S3 read ran
// ~10% faster than with 32, as fast as with 48, and 48 let that load run peak at 206-210 MiB, near its 214 MiB cap.
// Run `node --max-old-space-size=N dist/main.js …` for huge directories.
import 'reflect-metadata';

// The pinned AWS SDK supports Node 20; its notice about future releases needing Node 22 is not for our users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import { CommandFactory } from 'nest-commander';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliModule } from './cli/cli.module';
import { exitOnCommanderError } from './cli/commander-exit';
import { tellStarter } from './cli/daemon';
import { UsageError } from './cli/usage.error';

const EXIT_USAGE = 2;

/** Set once a command failed: the message to the command that started a background process (--daemon) is on its way. */
let failing: Promise<void> | undefined;

function fail(error: Error): void {
  const code = error instanceof UsageError ? EXIT_USAGE : 1;
  process.stderr.write(`nestjs-fuse: ${error.message}\n`);
  process.exitCode = code;
  failing = tellStarter({ failed: error.message, code });
}

async function main(): Promise<void> {
  const { version } = JSON.parse(await readFile(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  await CommandFactory.run(CliModule, {
    logger: ['error', 'warn'],
    version,
    cliName: 'nestjs-fuse',
    errorHandler: exitOnCommanderError,
    serviceErrorHandler: (error: Error) => fail(error),
  });
  await failing;
  process.exit(process.exitCode ?? 0);
}

main().catch(async (error: Error) => {
  fail(error);
  await failing;
  process.exit(process.exitCode);
});
