import { constants as fsConstants } from 'node:fs';
import type { FilesystemSession } from './filesystem-session';
import type { Fh, Ino } from './interfaces/file-attr.interface';

interface HeldDirectory {
  ino: Ino;
  fh: Fh;
  opens: number;
}

/**
 * The directories libfuse 2 has open, by path (its readdir names no handle). libfuse reads a directory whole at its
 * first readdir and serves the program from its copy until releasedir; the filesystem's listing is kept open for the
 * same time, so a backend may keep answering lookups of the names it listed (the S3 backend does) while a program
 * still walks them — as on the kernel transport, where the kernel's opendir and releasedir reach the handlers.
 */
export class FuseNativeDirectories {
  private readonly held = new Map<string, HeldDirectory>();

  constructor(private readonly session: FilesystemSession) {}

  /** libfuse opened directory `ino` at `path`. */
  async open(path: string, ino: Ino): Promise<void> {
    const held = this.held.get(path);
    if (held && held.ino === ino) {
      held.opens += 1;
      return;
    }
    const fh = await this.session.opendir(ino, fsConstants.O_RDONLY);
    // Another open of the path may have raced this one: the first listing stays, this one goes.
    const raced = this.held.get(path);
    if (raced && raced.ino === ino) {
      raced.opens += 1;
      await this.session.releasedir(ino, fh).catch(() => undefined);
      return;
    }
    this.held.set(path, { ino, fh, opens: 1 });
  }

  /** libfuse released one open of the directory at `path`. */
  async release(path: string): Promise<void> {
    const held = this.held.get(path);
    if (!held) return;
    held.opens -= 1;
    if (held.opens > 0) return;
    this.held.delete(path);
    await this.session.releasedir(held.ino, held.fh);
  }

  /** The entries of directory `ino`: through its open listing at `path` if libfuse holds one, else a listing of their own. */
  async entries(path: string, ino: Ino): ReturnType<FilesystemSession['readdirAll']> {
    const held = this.held.get(path);
    if (held && held.ino === ino) return this.session.readdirAll(ino, held.fh);
    const fh = await this.session.opendir(ino, fsConstants.O_RDONLY);
    try {
      return await this.session.readdirAll(ino, fh);
    } finally {
      await this.session.releasedir(ino, fh).catch(() => undefined);
    }
  }
}
