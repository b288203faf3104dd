import type { Registry } from 'prom-client';
import type { FuseOp } from '../fuse.constants';
import type { FuseTransportKind } from './fuse-transport.interface';

/** How the kernel may keep file contents in its page cache between opens. */
export type PageCachePolicy =
  /** Keep cached pages while the file's mtime and size are unchanged (libfuse `auto_cache`). */
  | 'auto'
  /** Always keep cached pages: only for filesystems that never change behind the mount (`kernel_cache`). */
  | 'keep'
  /** Drop cached pages on every open. */
  | 'drop'
  /** Bypass the page cache entirely: every read and write reaches the handlers (`direct_io`). */
  | 'direct';

/** Options of the native mount. */
export interface FuseMountOptions {
  /**
   * Which transport serves the mount (default `'auto'`): `'kernel'` speaks the FUSE protocol on /dev/fuse itself,
   * `'fuse-native'` goes through libfuse 2. `'auto'` takes the kernel transport on Linux when its addon is built and
   * the process may mount (root), and fuse-native otherwise.
   */
  transport?: FuseTransportKind | 'auto';
  /** Mount read-only even when the filesystem implements write ops. */
  readOnly?: boolean;
  /** Let other users access the mount. Always combined with `default_permissions`. Non-root users need `user_allow_other` in /etc/fuse.conf. */
  allowOther?: boolean;
  /** Let the kernel check permissions against the returned mode/uid/gid (implied by `allowOther`). */
  defaultPermissions?: boolean;
  /** Report every file as owned by this uid / gid. */
  uid?: number;
  gid?: number;
  /** Report every file with permissions `0o777 & ~umask` (libfuse semantics, as on vfat), e.g. `0o022` → 755. */
  umask?: number;
  /** How long (seconds) the kernel caches names and attributes. libfuse's default is 1 s; 0 disables caching. */
  kernelEntryTtlSeconds?: number;
  kernelAttrTtlSeconds?: number;
  /** The kernel page-cache policy; default `'auto'`. */
  pageCache?: PageCachePolicy;
  /**
   * Kernel transport: let the kernel keep written data in its page cache and write it back in large requests later,
   * as a local filesystem does (`write(2)` returns before the handler sees the data; `fsync`/`close` still wait). For
   * filesystems that nothing changes behind the mount's back. Ignored, with a warning, on fuse-native.
   */
  writebackCache?: boolean;
  /**
   * Kernel transport, Linux 6.9 or newer, daemon with CAP_SYS_ADMIN: files whose open handler offers a local
   * descriptor (`OpenReply.passthrough`; the local backend does) are read, written and mapped by the kernel directly.
   * Default true; where the kernel or privileges refuse it, opens fall back to the handlers with one log line. Not
   * with `writebackCache` (the kernel allows one or the other).
   */
  passthrough?: boolean;
  /** Mount over a directory that is not empty, hiding its contents while mounted. */
  allowNonEmpty?: boolean;
  /** Create the mountpoint directory when it does not exist (otherwise a missing mountpoint is an error). */
  mkdir?: boolean;
  /** The name shown in /proc/mounts and `df`; default `nestjs-fuse-<filesystem>`. */
  fsname?: string;
  /**
   * Serve the filesystem's extended attributes (default true). With false the mount has none (as bindfs
   * --xattr-none) and the kernel stops asking: `ls -l` asks for two per file.
   */
  xattrs?: boolean;
  /**
   * Keep a latency histogram per op — from a request's arrival in JavaScript to its answer — and log it at unmount
   * (also from the mount handle's `opLatency()`). Costs two clock reads per request.
   */
  opStats?: boolean;
}

/** Options of {@link FuseModule}. */
export interface FuseModuleOptions {
  /** Where to mount at application bootstrap. Without it nothing is mounted (use {@link FileHandle}). */
  mountpoint?: string;
  /** The `@FuseFilesystem()` name to mount; may be omitted when exactly one filesystem is registered. */
  filesystem?: string;
  mount?: FuseMountOptions;
  /** Per-op deadline in ms (default 30 000); an op running longer answers `ETIMEDOUT` and is logged. */
  deadlineMs?: number | ({ default?: number } & Partial<Record<FuseOp, number>>);
  /** Default TTLs (ms) of the module's own name and attribute caches, when a handler's `Entry` gives none. */
  entryTtlMs?: number;
  attrTtlMs?: number;
  /** Log every op with its arguments, result and latency at debug level. */
  debug?: boolean;
  /** Unmount on SIGINT/SIGTERM (default true). The CLI turns this off and handles signals itself. */
  unmountOnSignal?: boolean;
  /**
   * A prom-client registry to report each mount's requests in (`nestjs_fuse_requests_total` and the rest, labelled
   * with the mountpoint; docs/OPERATIONS.md lists them). Serving it (e.g. at `/metrics`) is the application's part.
   */
  metrics?: Registry;
}
