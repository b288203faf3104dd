import { constants as fsConstants } from 'node:fs';
import type { FilesystemSession } from './filesystem-session';
import type { DirEntry, Fh, Ino } from './interfaces/file-attr.interface';

interface OpenDirectory {
  opens: number;
  /** The listing of the last readdir at this path, kept while libfuse has the directory open. */
  listing?: { ino: Ino; fh: Fh };
}

/**
 * The directories libfuse 2 has open, by path (its readdir names no handle). libfuse reads a directory whole at each
 * readdir and serves the program from its copy until releasedir. Every readdir lists afresh; the last listing of a
 * path is kept open until libfuse has released every open of it, so a backend may keep answering lookups of the names
 * it listed (the S3 backend does) while a program still walks them — as on the kernel transport, where the kernel's
 * opendir and releasedir reach the handlers.
 */
export class FuseNativeDirectories {
  private readonly open = new Map<string, OpenDirectory>();

  constructor(private readonly session: FilesystemSession) {}

  /** libfuse opened the directory at `path`. */
  opened(path: string): void {
    const directory = this.open.get(path);
    if (directory) directory.opens += 1;
    else this.open.set(path, { opens: 1 });
  }

  /** libfuse released one open of the directory at `path`. */
  async released(path: string): Promise<void> {
    const directory = this.open.get(path);
    if (!directory) return;
    directory.opens -= 1;
    if (directory.opens > 0) return;
    this.open.delete(path);
    await this.letGo(directory.listing);
  }

  /** The entries of directory `ino` at `path`, listed afresh. */
  async entries(path: string, ino: Ino): Promise<DirEntry[]> {
    const fh = await this.session.opendir(ino, fsConstants.O_RDONLY);
    let entries: DirEntry[];
    try {
      entries = await this.session.readdirAll(ino, fh);
    } catch (error) {
      await this.letGo({ ino, fh });
      throw error;
    }
    const directory = this.open.get(path);
    if (!directory) {
      await this.letGo({ ino, fh });
      return entries;
    }
    const previous = directory.listing;
    directory.listing = { ino, fh };
    await this.letGo(previous);
    return entries;
  }

  private async letGo(listing: { ino: Ino; fh: Fh } | undefined): Promise<void> {
    if (listing) await this.session.releasedir(listing.ino, listing.fh).catch(() => undefined);
  }
}
