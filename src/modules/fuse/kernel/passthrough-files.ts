import { Logger } from '@nestjs/common';
import { constants } from 'node:os';
import { FsError } from '../errors/fs-error';
import { describeError } from '../fuse.messages';
import type { Fh, Ino } from '../interfaces/file-attr.interface';

/** Registers backing files with the kernel (FUSE_DEV_IOC_BACKING_OPEN / _CLOSE on the mount's device). */
export interface BackingRegistrar {
  /** Registers the file `fd` is open on; returns its backing id and whether it was opened for writing. */
  registerBacking(fd: number): [number, boolean];
  unregisterBacking(id: number): void;
}

/** What stops the module's attribute cache from answering for an inode until the returned function is called. */
export type BypassCache = (ino: Ino) => () => void;

interface Backing {
  id: number;
  writable: boolean;
  opens: number;
  endBypass: () => void;
}

/**
 * How one open is served: on an inode's backing file (`backingId`) — by the kernel itself, or through the handlers
 * (`throughHandlers`: its reads and writes reach them, a mapping uses the backing file) — or through the handlers
 * with the page cache (`cached`).
 */
export type OpenService = { backingId: number; throughHandlers: boolean } | 'cached';

/**
 * One mount's opens, by how the kernel serves them. Every passthrough open of an inode must name the same backing
 * file (the kernel refuses another), so one is registered at an inode's first open and unregistered at its last
 * release; meanwhile the module's attribute cache does not answer for the inode, since the kernel changes it without
 * a write handler running. The kernel fails (EIO) an open that would mix passthrough with the page cache on one inode:
 * while an inode has cached opens, new ones are served through the handlers with the page cache too; while it has a
 * backing file, every open must name it, so one served through the handlers names it with direct I/O. When the kernel
 * or the daemon's privileges refuse passthrough, the mount stops asking, says so once, and serves every open through
 * the handlers.
 */
export class PassthroughFiles {
  private readonly backings = new Map<Ino, Backing>();
  /** Opens of each inode served through the handlers with the page cache. */
  private readonly cachedOpens = new Map<Ino, number>();
  private readonly opens = new Map<string, 'passthrough' | 'cached' | 'direct'>();
  private disabled = false;

  constructor(
    private readonly registrar: BackingRegistrar,
    private readonly bypass: BypassCache,
    private readonly logger: Logger,
  ) {}

  /**
   * How the open `fh` of `ino` is served; `fd` is the descriptor its handler offered for passthrough, if any. An open
   * for writing of a file whose backing could only be opened read-only is refused (EACCES): the kernel would not let
   * it be served either way.
   */
  serve(ino: Ino, fh: Fh, fd: number | undefined, writing: boolean): OpenService {
    const backingId = fd === undefined || this.cachedOpens.has(ino) ? undefined : this.attach(ino, fd, writing);
    if (backingId !== undefined) {
      this.opens.set(key(ino, fh), 'passthrough');
      return { backingId, throughHandlers: false };
    }
    const backing = this.backings.get(ino);
    if (backing) {
      backing.opens += 1;
      this.opens.set(key(ino, fh), 'direct');
      return { backingId: backing.id, throughHandlers: true };
    }
    this.cachedOpens.set(ino, (this.cachedOpens.get(ino) ?? 0) + 1);
    this.opens.set(key(ino, fh), 'cached');
    return 'cached';
  }

  /**
   * Whether an open of `ino` (of a new file, without `ino`) offering a descriptor would be served through passthrough
   * now: the kernel and the daemon's privileges allow it, and the inode has no open served with the page cache.
   */
  available(ino?: Ino): boolean {
    return !this.disabled && (ino === undefined || !this.cachedOpens.has(ino));
  }

  /** At release: ends the open's share of its inode's backing file or of its cached opens. */
  detach(ino: Ino, fh: Fh): void {
    const service = this.opens.get(key(ino, fh));
    if (!service) return;
    this.opens.delete(key(ino, fh));
    if (service === 'cached') {
      const left = (this.cachedOpens.get(ino) ?? 1) - 1;
      if (left > 0) this.cachedOpens.set(ino, left);
      else this.cachedOpens.delete(ino);
      return;
    }
    const backing = this.backings.get(ino);
    if (!backing) return;
    backing.opens -= 1;
    if (backing.opens === 0) this.drop(ino, backing);
  }

  private attach(ino: Ino, fd: number, writing: boolean): number | undefined {
    if (this.disabled) return undefined;
    let backing = this.backings.get(ino);
    if (!backing) {
      const registered = this.register(ino, fd);
      if (!registered) return undefined;
      backing = { id: registered[0], writable: registered[1], opens: 0, endBypass: this.bypass(ino) };
      this.backings.set(ino, backing);
    }
    if (writing && !backing.writable) {
      if (backing.opens === 0) this.drop(ino, backing);
      throw FsError.accessDenied(`inode ${ino} is open through passthrough on a backing file the daemon may only read`);
    }
    backing.opens += 1;
    return backing.id;
  }

  /** Opens served through passthrough. */
  get active(): number {
    let count = 0;
    for (const service of this.opens.values()) if (service === 'passthrough') count += 1;
    return count;
  }

  private register(ino: Ino, fd: number): [number, boolean] | undefined {
    try {
      return this.registrar.registerBacking(fd);
    } catch (error) {
      const errno = -((error as { errno?: number }).errno ?? 0);
      if (errno === constants.errno.EPERM || errno === constants.errno.ENOTTY || errno === constants.errno.EINVAL) {
        this.disabled = true;
        this.logger.warn(
          `Passthrough is off for this mount (${(error as Error).message}): it needs Linux 6.9 or newer and a daemon with CAP_SYS_ADMIN. Reads and writes go through the handlers.`,
        );
      } else {
        this.logger.warn(
          `Inode ${ino} is served through the handlers: its backing file could not be used for passthrough (${(error as Error).message}).`,
        );
      }
      return undefined;
    }
  }

  private drop(ino: Ino, backing: Backing): void {
    this.backings.delete(ino);
    backing.endBypass();
    try {
      this.registrar.unregisterBacking(backing.id);
    } catch (error) {
      this.logger.error(`Unregistering the backing file of inode ${ino} failed: ${describeError(error)}`);
    }
  }
}

function key(ino: Ino, fh: Fh): string {
  return `${ino}:${fh}`;
}
