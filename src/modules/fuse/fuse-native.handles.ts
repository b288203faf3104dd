import { FsError } from './errors/fs-error';
import type { Fh, Ino } from './interfaces/file-attr.interface';

/** What one kernel handle of a fuse-native mount stands for: the filesystem's inode and handle. */
export interface OpenHandle {
  ino: Ino;
  fh: Fh;
}

const MAX_HANDLE = 0x7fff_ffff;

/**
 * The handles a fuse-native mount gives the kernel (libfuse's `fh`), each standing for an inode and the filesystem's
 * own handle. Numbers go round from 1 to 2^31 - 1, skipping those still open.
 */
export class FuseNativeHandles {
  private readonly open = new Map<number, OpenHandle>();
  private next = 1;

  add(ino: Ino, fh: Fh): number {
    while (this.open.has(this.next)) this.next = this.next >= MAX_HANDLE ? 1 : this.next + 1;
    const handle = this.next;
    this.open.set(handle, { ino, fh });
    this.next = handle >= MAX_HANDLE ? 1 : handle + 1;
    return handle;
  }

  get(handle: number): OpenHandle | undefined {
    return this.open.get(handle);
  }

  /** Not async: on the read and write path every promise layer is measurable. */
  with<T>(handle: number, fn: (open: OpenHandle) => Promise<T>): Promise<T> {
    const open = this.open.get(handle);
    if (!open) return Promise.reject(FsError.badHandle(`no open file with handle ${handle}`));
    return fn(open);
  }

  /** Removes `handle`, returning what it stood for (undefined when it was not open). */
  remove(handle: number): OpenHandle | undefined {
    const open = this.open.get(handle);
    this.open.delete(handle);
    return open;
  }
}
