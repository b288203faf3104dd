import { UsageError } from './usage.error';

/** Options mount(8) and fstab use that mean nothing to a FUSE mount of ours (or that systemd reads itself). */
const IGNORED = new Set([
  'defaults',
  'auto',
  'noauto',
  'user',
  'users',
  'nouser',
  'owner',
  'group',
  '_netdev',
  'nofail',
  'rw',
  'exec',
  'noexec',
  'suid',
  'nosuid',
  'dev',
  'nodev',
  'sync',
  'async',
  'atime',
  'noatime',
  'relatime',
  'strictatime',
  'nodiratime',
  'diratime',
  'lazytime',
  'nolazytime',
  'loud',
  'silent',
]);

/**
 * The `mount` command line for a mount(8) helper call: `spec` is `<backend>:<source>` (`s3:my-bucket/photos`,
 * `local:/srv/data`), each `-o` option becomes the flag of the same name (`allow_other` → `--allow-other`,
 * `cache_size=512M` → `--cache-size 512M`, `ro` → `--read-only`), and the mount goes to the background (mount(8)
 * waits for its helper). Options of mount(8), fstab and systemd (`_netdev`, `nofail`, `x-systemd.*`, …) are ignored.
 */
export function mountArguments(spec: string, mountpoint: string, options: string[]): string[] {
  const colon = spec.indexOf(':');
  if (colon <= 0 || colon === spec.length - 1) {
    throw new UsageError(`"${spec}" is not a source of type fuse.nestjs-fuse. Write <backend>:<source>, e.g. s3:my-bucket or local:/srv/data.`);
  }
  const flags: string[] = [];
  for (const option of options.flatMap((list) => list.split(',')).filter((option) => option !== '')) {
    const [name, ...rest] = option.split('=');
    if (IGNORED.has(name) || /^x-/i.test(name) || name === 'comment' || name === 'helper') continue;
    if (name === 'ro') {
      flags.push('--read-only');
      continue;
    }
    flags.push(`--${name.replace(/_/g, '-')}`);
    if (rest.length > 0) flags.push(rest.join('='));
  }
  return ['mount', mountpoint, spec.slice(0, colon), spec.slice(colon + 1), '--daemon', ...flags];
}
