import { MountOptionsException } from './errors/mount-options.exception';
import { NON_NEGATIVE_INTEGER_MESSAGE, SECONDS_MESSAGE } from './fuse.messages';
import type { FuseMountOptions } from './interfaces/fuse-module-options.interface';

export interface MountArgsContext {
  filesystem: string;
  readOnly: boolean;
  /**
   * Whether the binding takes the NULL path libfuse passes for a file removed while open (hard_remove). fuse-native's
   * prebuilt binary does not: without hard_remove, libfuse renames such a file to .fuse_hiddenNNN instead.
   */
  nullPaths?: boolean;
}

/**
 * The complete libfuse `-o` option list for a mount. fuse-native's own option builder drops zero values (so
 * `entry_timeout=0` is impossible through it), breaks `user_id` and has no `direct_io`; the adapter hands libfuse this
 * list instead, so every quirk is handled here and nowhere else.
 */
export function buildMountArgs(options: FuseMountOptions, context: MountArgsContext): string[] {
  const args = [
    // Report the filesystem's own inode numbers (hard links, `ls -i`, `find -inum`).
    'use_ino',
    'readdir_ino',
    // Unlink open files for real instead of renaming them to .fuse_hiddenNNN: handles are tracked by fh, not path.
    ...(context.nullPaths === false ? [] : ['hard_remove']),
    // 128 KiB writes instead of 4 KiB.
    'big_writes',
    `fsname=${sanitize(options.fsname ?? `nestjs-fuse-${context.filesystem}`)}`,
    'subtype=nestjs-fuse',
  ];
  if (context.readOnly || options.readOnly) args.push('ro');
  if (options.allowOther) args.push('allow_other');
  if (options.allowOther || options.defaultPermissions) args.push('default_permissions');
  if (options.allowNonEmpty) args.push('nonempty');
  if (options.uid !== undefined) args.push(`uid=${nonNegativeInteger('uid', options.uid)}`);
  if (options.gid !== undefined) args.push(`gid=${nonNegativeInteger('gid', options.gid)}`);
  if (options.umask !== undefined) args.push(`umask=${(nonNegativeInteger('umask', options.umask) & 0o777).toString(8).padStart(4, '0')}`);
  if (options.kernelEntryTtlSeconds !== undefined) {
    args.push(`entry_timeout=${seconds('kernelEntryTtlSeconds', options.kernelEntryTtlSeconds)}`);
  }
  if (options.kernelAttrTtlSeconds !== undefined) {
    args.push(`attr_timeout=${seconds('kernelAttrTtlSeconds', options.kernelAttrTtlSeconds)}`);
  }
  switch (options.pageCache ?? 'auto') {
    case 'auto':
      args.push('auto_cache');
      break;
    case 'keep':
      args.push('kernel_cache');
      break;
    case 'direct':
      args.push('direct_io');
      break;
    case 'drop':
      break;
  }
  return args;
}

function sanitize(value: string): string {
  return value.replace(/[^A-Za-z0-9._@:+-]/g, '_');
}

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new MountOptionsException(NON_NEGATIVE_INTEGER_MESSAGE(name, value));
  return value;
}

function seconds(name: string, value: number): string {
  if (!Number.isFinite(value) || value < 0) throw new MountOptionsException(SECONDS_MESSAGE(name, value));
  return String(value);
}
