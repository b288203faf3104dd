import type { Ino } from './file-attr.interface';

/**
 * What a filesystem can tell the kernel when its backend learns of a change made elsewhere (an object replaced by
 * another client, a link count changed): drop what it caches, so the next access asks the handlers again. The
 * module's own caches drop the same. Only the kernel transport can reach the kernel's caches; on fuse-native these
 * clear the module's caches alone.
 */
export interface KernelCache {
  /** Drops `ino`'s attributes and cached contents. */
  invalidateInode(ino: Ino): void;
  /** Drops the name `name` in directory `parent` (the next lookup asks the handler). */
  invalidateEntry(parent: Ino, name: string): void;
  /**
   * Asks the kernel to let go of the name `name` in `parent`, which did not change: a filesystem that keeps state per
   * inode the kernel holds bounds it this way. The kernel sends FORGET once nothing uses the inode. False when no
   * kernel was told (fuse-native): nothing will be forgotten.
   */
  releaseEntry(parent: Ino, name: string): boolean;
}

/**
 * Implemented by a filesystem that wants a {@link KernelCache}: the module hands it one at boot, before anything is
 * mounted.
 */
export interface UsesKernelCache {
  useKernelCache(cache: KernelCache): void;
}
