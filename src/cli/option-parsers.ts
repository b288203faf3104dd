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

const SIZE_UNITS: Record<string, number> = { '': 1024 ** 2, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** A size in MiB by default, or with a unit: 512K, 64M, 2G (binary units; "MiB"/"MB" both accepted). */
export function parseSize(flag: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(value.trim());
  if (!match) throw new UsageError(`${flag} needs a size such as 256 (MiB), 512K, 64M or 2G, got "${value}".`);
  const bytes = Math.round(Number(match[1]) * SIZE_UNITS[match[2].toLowerCase()]);
  if (bytes <= 0) throw new UsageError(`${flag} must be larger than 0, got "${value}".`);
  return bytes;
}

export function parseUrl(flag: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag} needs a URL such as http://127.0.0.1:9000 or https://s3.example.com, got "${value}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${flag} must be an http:// or https:// URL, got "${value}".`);
  }
  return value.replace(/\/+$/, '');
}

export function parsePositiveInteger(flag: string, value: string): number {
  const parsed = parseNonNegativeInteger(flag, value);
  if (parsed === 0) throw new UsageError(`${flag} must be at least 1.`);
  return parsed;
}
