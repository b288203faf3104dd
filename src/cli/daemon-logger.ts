import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { createWriteStream, WriteStream } from 'node:fs';
import { once } from 'node:events';
import { redactSecrets } from './log-redaction';

/** The levels `--log-level` takes, least to most verbose. */
export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface DaemonLoggerOptions {
  level: LogLevelName;
  format: LogFormat;
  /** Appended to; reopened by {@link DaemonLogger.reopen} (logrotate moves it, then SIGHUP). */
  file?: string;
}

/**
 * The mount command's logger: Nest's console logger at the chosen level, as text or one JSON object per line, to the
 * terminal or a file, with secrets taken out of every line. The debug level can be switched on and off while running.
 */
export class DaemonLogger extends ConsoleLogger {
  private stream?: WriteStream;
  private readonly levels: LogLevel[];
  private debugForced = false;

  constructor(private readonly config: DaemonLoggerOptions) {
    super({
      logLevels: levelsUpTo(config.level),
      json: config.format === 'json',
      colors: config.format === 'text' && !config.file && process.stdout.isTTY === true,
      prefix: 'nestjs-fuse',
    });
    this.levels = levelsUpTo(config.level);
    if (config.file) this.stream = this.openFile(config.file);
  }

  /** A line the operator asked for (a signal's effect, the mount's start and end): written at any level. */
  notice(message: string, context = 'nestjs-fuse'): void {
    this.printMessages([message], context, 'log');
  }

  /** Debug lines on or off on top of the configured level (SIGUSR2 with op tracing). */
  forceDebug(on: boolean): void {
    this.debugForced = on;
    this.setLogLevels(on ? [...new Set<LogLevel>([...this.levels, 'debug'])] : this.levels);
  }

  get debugging(): boolean {
    return this.debugForced || this.levels.includes('debug');
  }

  /** Resolves once the log file is open (lines written before are kept and written then). */
  async opened(): Promise<void> {
    const stream = this.stream;
    if (stream && stream.pending) await once(stream, 'ready');
  }

  /** Closes the log file and opens it again at its path: after logrotate moved it, lines go to the new file. */
  async reopen(): Promise<void> {
    if (!this.config.file) return;
    const old = this.stream;
    this.stream = this.openFile(this.config.file);
    if (old) await new Promise<void>((resolve) => old.end(resolve));
  }

  /** Flushes and closes the log file. */
  async close(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    if (stream) await new Promise<void>((resolve) => stream.end(resolve));
  }

  protected override printMessages(
    messages: unknown[],
    context = '',
    logLevel: LogLevel = 'log',
    writeStreamType?: 'stdout' | 'stderr',
    errorStack?: unknown,
  ): void {
    for (const message of messages) {
      const line = this.options.json
        ? `${JSON.stringify(this.getJsonLogObject(message, { context, logLevel, writeStreamType, errorStack }))}\n`
        : this.formatMessage(
            logLevel,
            message,
            this.formatPid(process.pid),
            logLevel.toUpperCase().padStart(7, ' '),
            this.formatContext(context),
            this.updateAndGetTimestampDiff(),
          );
      this.write(line, writeStreamType);
    }
  }

  protected override printStackTrace(stack: string): void {
    if (!stack || this.options.json) return;
    this.write(`${stack}\n`, 'stderr');
  }

  private write(line: string, to: 'stdout' | 'stderr' = 'stdout'): void {
    const clean = redactSecrets(line);
    if (this.stream) this.stream.write(clean);
    else process[to].write(clean);
  }

  private openFile(path: string): WriteStream {
    const stream = createWriteStream(path, { flags: 'a', mode: 0o640 });
    // A log file that cannot be written must not take the mount down: say so once on stderr.
    void once(stream, 'error').then(([error]) =>
      process.stderr.write(`nestjs-fuse: cannot write the log file ${path}: ${(error as Error).message}\n`),
    );
    return stream;
  }
}

function levelsUpTo(level: LogLevelName): LogLevel[] {
  return ['fatal', ...LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(level) + 1)];
}
