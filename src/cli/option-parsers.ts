import { UsageError } from './usage.error';

export function parseNonNegativeInteger(flag: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} needs a whole number ≥ 0, got "${value}".`);
  return Number(value);
}

export function parseOctalMask(flag: string, value: string): number {
  if (!/^0?[0-7]{1,3}$/.test(value)) throw new UsageError(`${flag} needs an octal mask such as 022, got "${value}".`);
  return parseInt(value, 8);
}

export function parseSeconds(flag: string, value: string): number {
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0) {
    throw new UsageError(`${flag} needs a number of seconds ≥ 0 (e.g. 1 or 0.5), got "${value}".`);
  }
  return seconds;
}

export function parseChoice<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`${flag} must be one of ${choices.join(', ')}, got "${value}".`);
  }
  return value as T;
}
