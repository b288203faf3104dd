import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, CommandRunner, Option } from 'nest-commander';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { MountCommandOptions } from './mount-command-options';
import { CliCommand } from './cli-command';
import type { FuseModuleOptions, FuseTransportKind, PageCachePolicy } from '../modules/fuse';
import { FuseMountService } from '../modules/fuse';
import { isMounted } from '../modules/fuse/mount-table';
import { formatOpLatency } from '../modules/fuse/op-latency.stats';
import { Backend, BACKENDS, backendNamed, declareBackendFlags, flagsOfOtherBackends, refuseOtherBackendsFlags } from './backends';
import { isDaemonChild, startDaemon, tellStarter } from './daemon';
import { defaultLogFile, removePidFile, writePidFile } from './daemon-files';
import { DaemonLogger, LOG_FORMATS, LOG_LEVELS, LogFormat, LogLevelName } from './daemon-logger';
import { OperatorSignals } from './operator-signals';
import { notifyServiceManager } from './service-manager';
import { applyEnvironment } from './environment-options';
import { MetricsServer } from './metrics-server';
import { MountAppModule } from './mount-app.module';
import { parseChoice, parseNonNegativeInteger, parseOctalMask, parseSeconds } from './option-parsers';
import { UnmountedElsewhere } from './unmounted-elsewhere';
import { UsageError } from './usage.error';

const PAGE_CACHE_POLICIES: readonly PageCachePolicy[] = ['auto', 'keep', 'drop', 'direct'];
/** What a mount in this process is made of, from its start to its unmount. */
interface ServedMount {
  readonly target: string;
  readonly app: INestApplicationContext;
  readonly logger: DaemonLogger;
  readonly metricsServer: MetricsServer | undefined;
  readonly debug: boolean;
}

const TRANSPORTS: ReadonlyArray<FuseTransportKind | 'auto'> = ['auto', 'kernel', 'fuse-native'];

@Command({
  name: 'mount',
  arguments: '<mountpoint> <backend> <source>',
  argsDescription: {
    mountpoint: 'an empty directory to mount on',
    backend: `where the files come from: ${BACKENDS.map((backend) => backend.name).join(', ')}`,
    source: 'local: the directory to serve; s3: <bucket> or <bucket>/<prefix>',
  },
  description: 'Mount a backend; in the foreground (Ctrl-C or SIGTERM unmounts and exits) or with --daemon in the background.',
})
export class MountCommand extends CliCommand {
  override setCommand(command: Parameters<CommandRunner['setCommand']>[0]): this {
    // The other backend's variables may be set for a whole host or container: ignored, where its flags are refused.
    command.hook('preAction', (action) => applyEnvironment(action, process.env, flagsOfOtherBackends(action.args[1])));
    command.addHelpText(
      'after',
      '\nEvery option can also be set with an environment variable: NESTJS_FUSE_ and the option in capitals, e.g.\n' +
        'NESTJS_FUSE_CACHE_SIZE=512M, NESTJS_FUSE_READ_ONLY=true, NESTJS_FUSE_XATTRS=false (for --no-xattrs).\n' +
        'An option on the command line wins. docs/CONFIGURATION.md lists them all.\n',
    );
    return super.setCommand(command);
  }

  async run([mountpoint, backendName, source]: string[], options: MountCommandOptions = {}): Promise<void> {
    const backend = backendNamed(backendName);
    refuseOtherBackendsFlags(backend, options);
    const target = await checkMountpoint(mountpoint, options);
    if (options.logFile) await checkLogFile(options.logFile);
    const metrics = options.metricsPort === undefined ? undefined : new Registry();
    const backendModule = await backend.module(source, options, target, metrics);
    if (options.daemon && !isDaemonChild()) return this.startInBackground(target, backend.describe(source), options);
    const logger = new DaemonLogger({
      level: options.logLevel ?? (options.debug ? 'debug' : 'warn'),
      format: options.logFormat ?? 'text',
      file: options.logFile,
    });
    const metricsServer = metrics && (await MetricsServer.start(metrics, options.metricsHost ?? '127.0.0.1', options.metricsPort ?? 0));
    if (metrics) collectDefaultMetrics({ register: metrics });
    const app = await NestFactory.createApplicationContext(
      MountAppModule.register(backendModule, { ...this.fuseOptions(target, backend, options), metrics }),
      { logger, abortOnError: false },
    ).catch(async (error: unknown) => {
      await metricsServer?.close();
      await logger.close();
      throw error;
    });
    const served: ServedMount = { target, app, logger, metricsServer, debug: options.debug === true };
    await this.serveUntilStopped(served, `${backend.describe(source)} mounted at ${target}${options.readOnly ? ' (read-only)' : ''}`);
  }

  /** Ready: tells the terminal (the "mounted at" line last, as scripts wait for it), the pid file, systemd and a starter. */
  private async announce({ target, logger, metricsServer }: ServedMount, mounted: string): Promise<void> {
    const stop = isDaemonChild() ? `stop it with: nestjs-fuse unmount ${target}` : 'press Ctrl-C to unmount';
    const metricsLine = metricsServer ? `nestjs-fuse: metrics at http://${metricsServer.address}/metrics\n` : '';
    process.stdout.write(`${metricsLine}nestjs-fuse: ${mounted}; ${stop}\n`);
    await writePidFile(target);
    await this.tellServiceManager(logger, { READY: 1, MAINPID: process.pid, STATUS: `serving ${target}` });
    await tellStarter({ ready: target });
  }

  /**
   * Announces the mount and serves it until a signal, or until another program unmounts it; then unmounts and reports
   * each mount's latencies. Every signal is handled before the mount is announced: whoever waits for the "mounted at"
   * line may send one at once, and by default it would kill the process and leave the mount dead.
   */
  private async serveUntilStopped(served: ServedMount, mounted: string): Promise<void> {
    const { target, app, logger, metricsServer, debug } = served;
    const signal = waitForSignal();
    const mountService = app.get(FuseMountService);
    const operatorSignals = new OperatorSignals(mountService, logger, debug);
    operatorSignals.install();
    const mounts = mountService.mounted();
    await this.announce(served, mounted);
    const elsewhere = new UnmountedElsewhere(target);
    const received = await Promise.race([signal, elsewhere.happened]);
    elsewhere.stop();
    operatorSignals.remove();
    logger.notice(
      received === 'unmounted elsewhere' ? `${target} was unmounted by another program: shutting down` : `${received} received, unmounting`,
    );
    await this.tellServiceManager(logger, { STOPPING: 1, STATUS: `unmounting ${target}` });
    await app.close();
    await metricsServer?.close();
    await removePidFile(target);
    logger.notice(`unmounted ${target}`);
    await logger.close();
    process.stdout.write(`nestjs-fuse: unmounted ${target}\n`);
    for (const mount of mounts) {
      const rows = mount.opLatency();
      if (rows)
        process.stderr.write(`nestjs-fuse: op latencies (from each request's arrival in JavaScript to its answer):\n${formatOpLatency(rows)}\n`);
    }
  }

  private async tellServiceManager(logger: DaemonLogger, state: Record<string, string | number>): Promise<void> {
    const problem = await notifyServiceManager(state);
    if (problem) logger.warn(problem, 'nestjs-fuse');
  }

  /** `--daemon`: the same command in a background process; this one exits once the mount is ready, or with its failure. */
  private async startInBackground(target: string, description: string, options: MountCommandOptions): Promise<void> {
    const logFile = options.logFile ?? defaultLogFile(target);
    const args = process.argv.slice(2).filter((arg) => arg !== '--daemon');
    if (!options.logFile) args.push('--log-file', logFile);
    const started = await startDaemon(args, logFile);
    process.exitCode = started.code;
    if (started.code !== 0) return;
    process.stdout.write(
      `nestjs-fuse: ${description} mounted at ${target} by process ${started.pid}, logging to ${logFile}; stop it with: nestjs-fuse unmount ${target}\n`,
    );
  }

  private fuseOptions(mountpoint: string, backend: Backend, options: MountCommandOptions): FuseModuleOptions {
    return {
      mountpoint,
      filesystem: backend.filesystem,
      debug: options.debug,
      unmountOnSignal: false,
      deadlineMs: { default: options.deadline, ...backend.deadlines },
      entryTtlMs: options.entryTtl === undefined ? undefined : options.entryTtl * 1000,
      attrTtlMs: options.attrTtl === undefined ? undefined : options.attrTtl * 1000,
      mount: {
        readOnly: options.readOnly,
        allowOther: options.allowOther,
        allowNonEmpty: options.allowNonEmpty,
        mkdir: options.mkdir,
        uid: options.uid,
        gid: options.gid,
        umask: options.umask,
        kernelEntryTtlSeconds: options.entryTtl,
        kernelAttrTtlSeconds: options.attrTtl,
        pageCache: options.pageCache,
        writebackCache: options.writebackCache,
        passthrough: options.passthrough,
        transport: options.transport,
        fsname: options.fsname,
        xattrs: options.xattrs,
        opStats: options.opStats,
      },
    };
  }

  @Option({ flags: '--read-only', description: 'mount read-only' })
  parseReadOnly(): boolean {
    return true;
  }

  @Option({ flags: '--allow-other', description: 'let other users use the mount (adds default_permissions)' })
  parseAllowOther(): boolean {
    return true;
  }

  @Option({ flags: '--allow-non-empty', description: 'mount over a directory that is not empty' })
  parseAllowNonEmpty(): boolean {
    return true;
  }

  @Option({ flags: '--mkdir', description: 'create the mountpoint if it does not exist' })
  parseMkdir(): boolean {
    return true;
  }

  @Option({
    flags: '--no-xattrs',
    description: 'serve no extended attributes, as bindfs --xattr-none (ls -l then asks two round trips fewer per file)',
  })
  parseNoXattrs(): boolean {
    return false;
  }

  @Option({ flags: '--op-stats', description: 'print a latency histogram per op (count, errors, p50/p90/p99, max) when unmounting' })
  parseOpStats(): boolean {
    return true;
  }

  @Option({ flags: '--metrics-port <port>', description: 'serve Prometheus metrics at http://<metrics-host>:<port>/metrics' })
  parseMetricsPort(value: string): number {
    const port = parseNonNegativeInteger('--metrics-port', value);
    if (port > 65535) throw new UsageError(`--metrics-port must be a TCP port (0-65535), got "${value}".`);
    return port;
  }

  @Option({ flags: '--metrics-host <address>', description: 'the address the metrics are served on; default 127.0.0.1' })
  parseMetricsHost(value: string): string {
    return value;
  }

  @Option({ flags: '--log-level <level>', description: `what to log: ${LOG_LEVELS.join(', ')} (default warn; debug with --debug)` })
  parseLogLevel(value: string): LogLevelName {
    return parseChoice('--log-level', value, LOG_LEVELS);
  }

  @Option({ flags: '--log-format <format>', description: 'text, or json: one JSON object per line (default text)' })
  parseLogFormat(value: string): LogFormat {
    return parseChoice('--log-format', value, LOG_FORMATS);
  }

  @Option({ flags: '--log-file <path>', description: 'append the log to this file instead of the terminal; reopened on SIGHUP (logrotate)' })
  parseLogFile(value: string): string {
    return resolve(value);
  }

  @Option({ flags: '--daemon', description: 'run in the background; returns once the mount is ready (exit 0) or has failed' })
  parseDaemon(): boolean {
    return true;
  }

  @Option({ flags: '--debug', description: 'log every filesystem op with its latency' })
  parseDebug(): boolean {
    return true;
  }

  @Option({ flags: '--uid <uid>', description: 'report every file as owned by this user id' })
  parseUid(value: string): number {
    return parseNonNegativeInteger('--uid', value);
  }

  @Option({ flags: '--gid <gid>', description: 'report every file as owned by this group id' })
  parseGid(value: string): number {
    return parseNonNegativeInteger('--gid', value);
  }

  @Option({ flags: '--umask <octal>', description: 'report every file with permissions 0777 minus this mask (as vfat), e.g. 022 → 755' })
  parseUmask(value: string): number {
    return parseOctalMask('--umask', value);
  }

  @Option({ flags: '--entry-ttl <seconds>', description: 'how long names are cached (kernel and daemon); default 1' })
  parseEntryTtl(value: string): number {
    return parseSeconds('--entry-ttl', value);
  }

  @Option({ flags: '--attr-ttl <seconds>', description: 'how long attributes are cached (kernel and daemon); default 1' })
  parseAttrTtl(value: string): number {
    return parseSeconds('--attr-ttl', value);
  }

  @Option({
    flags: '--page-cache <policy>',
    description: 'kernel page cache: auto (keep while unchanged), keep, drop (on open), direct (bypass); default auto',
  })
  parsePageCache(value: string): PageCachePolicy {
    return parseChoice('--page-cache', value, PAGE_CACHE_POLICIES);
  }

  @Option({
    flags: '--writeback-cache',
    description:
      'kernel transport: keep written data in the page cache and write it back in large requests later (nothing may change the files behind the mount)',
  })
  parseWritebackCache(): boolean {
    return true;
  }

  @Option({
    flags: '--no-passthrough',
    description: 'kernel transport: serve every read and write through the handlers, never letting the kernel use the backing files directly',
  })
  parseNoPassthrough(): boolean {
    return false;
  }

  @Option({
    flags: '--transport <name>',
    description: 'kernel (speaks FUSE on /dev/fuse), fuse-native (libfuse 2), or auto (kernel where it can mount); default auto',
  })
  parseTransport(value: string): FuseTransportKind | 'auto' {
    return parseChoice('--transport', value, TRANSPORTS);
  }

  @Option({ flags: '--deadline <ms>', description: 'per-op deadline before answering ETIMEDOUT; default 30000' })
  parseDeadline(value: string): number {
    const ms = parseNonNegativeInteger('--deadline', value);
    if (ms === 0) throw new UsageError('--deadline must be at least 1 ms.');
    return ms;
  }

  @Option({ flags: '--fsname <name>', description: 'the source name shown by mount and df' })
  parseFsname(value: string): string {
    return value;
  }
}

// Each backend's own flags, declared once in its flag list.
for (const backend of BACKENDS) declareBackendFlags(MountCommand, backend.name, backend.flags);

/** Usage errors about the mountpoint itself are found here, before anything is started. */
async function checkMountpoint(mountpoint: string, options: MountCommandOptions): Promise<string> {
  const target = resolve(mountpoint);
  // A stale FUSE mount cannot be stat'ed; the mount service clears it, so it is not a usage error.
  if (await isMounted(target)) return target;
  const info = await stat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' && options.mkdir) return undefined;
    throw new UsageError(
      error.code === 'ENOENT'
        ? `mountpoint ${target} does not exist. Create it (mkdir -p ${target}) or pass --mkdir.`
        : `mountpoint ${target} cannot be used (${error.code}).`,
    );
  });
  if (info && !info.isDirectory()) throw new UsageError(`mountpoint ${target} is not a directory. Mount on an empty directory.`);
  return target;
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolvePromise) => {
    const handler = (signal: NodeJS.Signals): void => {
      process.removeListener('SIGINT', handler);
      process.removeListener('SIGTERM', handler);
      resolvePromise(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/** A log file that cannot be appended to is a usage error at start, not a silent loss of every line later. */
async function checkLogFile(path: string): Promise<void> {
  try {
    await (await open(path, 'a', 0o640)).close();
  } catch (error) {
    throw new UsageError(`--log-file ${path} cannot be written (${(error as NodeJS.ErrnoException).code}). Pick a writable path.`);
  }
}
