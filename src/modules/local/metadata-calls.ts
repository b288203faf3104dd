import * as fs from 'node:fs';
import { promisify } from 'node:util';
import { FileStats } from './file-stats';

/**
 * The calls the local backend makes on names and descriptors — status, open, close, owner and mode — in one of two
 * places: {@link INLINE_METADATA_CALLS} or {@link THREAD_POOL_METADATA_CALLS}. Data calls (read, write, truncate,
 * sync) are not here: they may wait on the storage for long.
 */
export interface MetadataCalls {
  lstat(path: string): Promise<FileStats>;
  fstat(fd: number): Promise<FileStats>;
  open(path: string, flags: number, mode?: number): Promise<number>;
  close(fd: number): Promise<void>;
  fchmod(fd: number, mode: number): Promise<void>;
  fchown(fd: number, uid: number, gid: number): Promise<void>;
  /** The file's size at once, or undefined where asking would mean waiting for the thread pool. */
  sizeNow(fd: number): number | undefined;
}

/**
 * On the JavaScript thread: the kernel answers these for a cached inode in a microsecond or two, while a hop to
 * libuv's thread pool and back wakes two threads — most of a FUSE round trip's cost. A backing directory on slow
 * storage (a network filesystem) holds up the whole mount while one call waits: use the thread pool there. They touch
 * the backing directory only, never the mountpoint (which a synchronous call would deadlock on): the CLI refuses a
 * source inside the mountpoint.
 */
export const INLINE_METADATA_CALLS: MetadataCalls = {
  lstat: async (path) => new FileStats(fs.lstatSync(path, { bigint: true })),
  fstat: async (fd) => new FileStats(fs.fstatSync(fd, { bigint: true })),
  open: async (path, flags, mode) => fs.openSync(path, flags, mode),
  close: async (fd) => fs.closeSync(fd),
  fchmod: async (fd, mode) => fs.fchmodSync(fd, mode),
  fchown: async (fd, uid, gid) => fs.fchownSync(fd, uid, gid),
  sizeNow: (fd) => fs.fstatSync(fd).size,
};

const lstatAsync = promisify(fs.lstat);
const fstatAsync = promisify(fs.fstat);
const openAsync = promisify(fs.open);
const closeAsync = promisify(fs.close);
const fchmodAsync = promisify(fs.fchmod);
const fchownAsync = promisify(fs.fchown);

/** On libuv's thread pool: several calls may wait on the storage at once, each costing two thread wake-ups. */
export const THREAD_POOL_METADATA_CALLS: MetadataCalls = {
  lstat: async (path) => new FileStats(await lstatAsync(path, { bigint: true })),
  fstat: async (fd) => new FileStats(await fstatAsync(fd, { bigint: true })),
  open: (path, flags, mode) => openAsync(path, flags, mode),
  close: (fd) => closeAsync(fd),
  fchmod: (fd, mode) => fchmodAsync(fd, mode),
  fchown: (fd, uid, gid) => fchownAsync(fd, uid, gid),
  sizeNow: () => undefined,
};
