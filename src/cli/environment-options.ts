import type { CommandRunner } from 'nest-commander';
import { UsageError } from './usage.error';

/** commander's types, as nest-commander hands them over (commander itself is its dependency, not ours). */
type Command = Parameters<CommandRunner['setCommand']>[0];
type Option = Command['options'][number];

const PREFIX = 'NESTJS_FUSE_';
const TRUE = new Set(['true', '1']);
const FALSE = new Set(['false', '0']);

/** `--cache-size` → `NESTJS_FUSE_CACHE_SIZE`; a negated flag names what it turns off: `--no-xattrs` → `NESTJS_FUSE_XATTRS`. */
export function environmentName(option: Option): string {
  const name = (option.long ?? '').replace(/^--(no-)?/, '');
  return `${PREFIX}${name.replace(/-/g, '_').toUpperCase()}`;
}

/**
 * Sets every option of `command` not given on its command line from its environment variable, when that is set (for
 * containers and systemd units): a value is parsed as the flag's would be; a switch takes `true`/`false` or `1`/`0`
 * (`NESTJS_FUSE_XATTRS=false` is `--no-xattrs`). A bad value is a usage error that names the variable. Options whose
 * long flag is in `ignored` are left alone.
 */
export function applyEnvironment(command: Command, env: NodeJS.ProcessEnv = process.env, ignored: ReadonlySet<string> = new Set()): void {
  for (const option of command.options) {
    const variable = environmentName(option);
    const raw = env[variable];
    if (raw === undefined || raw === '' || ignored.has(option.long ?? '')) continue;
    const attribute = option.attributeName();
    if (command.getOptionValueSource(attribute) === 'cli') continue;
    command.setOptionValueWithSource(attribute, valueOf(option, variable, raw.trim()), 'env');
  }
}

function valueOf(option: Option, variable: string, raw: string): unknown {
  if (!option.required && !option.optional) {
    const on = TRUE.has(raw.toLowerCase());
    if (!on && !FALSE.has(raw.toLowerCase())) throw new UsageError(`${variable} must be true or false (or 1 or 0), got "${raw}".`);
    // A negated switch (--no-xattrs) holds false when given; its variable says whether the feature is on.
    return option.negate ? on : on || undefined;
  }
  if (!option.parseArg) return raw;
  try {
    return option.parseArg<unknown>(raw, undefined);
  } catch (error) {
    throw new UsageError(`${variable}=${raw}: ${(error as Error).message}`);
  }
}
