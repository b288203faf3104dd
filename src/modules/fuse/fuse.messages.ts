import type { FuseOp } from './fuse.constants';

export const DUPLICATE_OP_MESSAGE = (filesystem: string, op: FuseOp, first: string, second: string): string =>
  `Filesystem "${filesystem}" declares @${decoratorOf(op)}() twice: on ${first} and on ${second}. Keep exactly one handler per op.`;

export const MISSING_OP_MESSAGE = (filesystem: string, className: string, ops: readonly FuseOp[]): string =>
  `Filesystem "${filesystem}" (${className}) has no handler for required op(s) ${ops
    .map((op) => `${op} (@${decoratorOf(op)}())`)
    .join(', ')}. Add a method decorated with each.`;

export const UNKNOWN_FILESYSTEM_MESSAGE = (name: string, known: readonly string[]): string =>
  `No filesystem named "${name}" is registered. ${
    known.length ? `Registered: ${known.map((k) => `"${k}"`).join(', ')}.` : 'None is registered:'
  } Decorate an @Injectable() provider with @FuseFilesystem('${name}') and list it in a module's providers.`;

export const AMBIGUOUS_FILESYSTEM_MESSAGE = (known: readonly string[]): string =>
  `Several filesystems are registered (${known.map((k) => `"${k}"`).join(', ')}) and FuseModule has no "filesystem" option. Name the one to mount.`;

export const REQUEST_SCOPED_MESSAGE = (filesystem: string, className: string): string =>
  `Filesystem "${filesystem}" (${className}) is request- or transient-scoped, directly or through a dependency. A mount outlives requests: make it and its dependencies singletons.`;

export const DUPLICATE_FILESYSTEM_NAME_MESSAGE = (name: string, first: string, second: string): string =>
  `Two filesystems are named "${name}": ${first} and ${second}. Give each @FuseFilesystem() a unique name.`;

export const HANDLER_FAILED_MESSAGE = (op: FuseOp, where: string, error: unknown): string =>
  `${op} ${where} failed with an unexpected error, answered EIO: ${describeError(error)}`;

export const DEADLINE_MESSAGE = (op: FuseOp, where: string, deadlineMs: number): string =>
  `${op} ${where} did not finish within its ${deadlineMs} ms deadline, answered ETIMEDOUT. Raise deadlineMs.${op} if the backend is legitimately slow.`;

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

function decoratorOf(op: FuseOp): string {
  return DECORATOR_NAMES[op];
}

const DECORATOR_NAMES: Record<FuseOp, string> = {
  lookup: 'Lookup',
  getattr: 'GetAttr',
  readdir: 'ReadDir',
  open: 'Open',
  read: 'Read',
  release: 'Release',
  create: 'Create',
  write: 'Write',
  flush: 'Flush',
  fsync: 'Fsync',
  setattr: 'SetAttr',
  mkdir: 'MkDir',
  unlink: 'Unlink',
  rmdir: 'RmDir',
  rename: 'Rename',
  symlink: 'Symlink',
  readlink: 'ReadLink',
  link: 'Link',
  statfs: 'StatFs',
  access: 'Access',
  getxattr: 'GetXattr',
  setxattr: 'SetXattr',
  listxattr: 'ListXattr',
  removexattr: 'RemoveXattr',
  opendir: 'OpenDir',
  releasedir: 'ReleaseDir',
  forget: 'Forget',
  mknod: 'MkNod',
  fallocate: 'Fallocate',
  lseek: 'Lseek',
  copyfilerange: 'CopyFileRange',
  exchange: 'Exchange',
};

/** Logged when a fuse-native mount is asked for the writeback cache, which libfuse 2 through fuse-native cannot give. */
export const WRITEBACK_ON_FUSE_NATIVE_MESSAGE =
  'The writeback cache needs the kernel transport (--transport kernel); this fuse-native mount writes through at once.';

/** Logged at each mount served by fuse-native's own prebuilt binary (docs/binding.md). */
export const PREBUILT_BINARY_MESSAGE =
  "fuse-native's prebuilt binary is in use: utimens sets the access time as the modification time, create loses its " +
  'flags, every read is copied once more and files removed while open show as .fuse_hidden until closed. Build the ' +
  'patched binding (needs a C compiler and patch): node node_modules/nestjs-fuse/scripts/build-fuse-native.js';

export const NON_NEGATIVE_INTEGER_MESSAGE = (option: string, value: number): string =>
  `${option} must be a non-negative integer, got ${value}. Pass a whole number of 0 or more.`;

export const SECONDS_MESSAGE = (option: string, value: number): string =>
  `${option} must be a number of seconds ≥ 0, got ${value}. Pass 0 or more (fractions allowed).`;
