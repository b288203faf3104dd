import * as fs from 'node:fs';
import { promisify } from 'node:util';
import type { FileStats } from './file-stats';
import type { MetadataCalls } from './metadata-calls';

const ftruncateAsync = promisify(fs.ftruncate);
const fsyncAsync = promisify(fs.fsync);
const fdatasyncAsync = promisify(fs.fdatasync);
const futimesAsync = promisify(fs.futimes);

/**
 * A backing file open for one kernel open: its descriptor, closed exactly once. Metadata calls go where the backend
 * places them; truncation and syncs, which may wait on the storage, always go to the thread pool.
 */
export class BackingFile {
  private closing?: Promise<void>;

  private constructor(
    readonly fd: number,
    private readonly calls: MetadataCalls,
  ) {}

  static async open(calls: MetadataCalls, path: string, flags: number, mode?: number): Promise<BackingFile> {
    return new BackingFile(await calls.open(path, flags, mode), calls);
  }

  stat(): Promise<FileStats> {
    return this.calls.fstat(this.fd);
  }

  chmod(mode: number): Promise<void> {
    return this.calls.fchmod(this.fd, mode);
  }

  chown(uid: number, gid: number): Promise<void> {
    return this.calls.fchown(this.fd, uid, gid);
  }

  truncate(size: number): Promise<void> {
    return ftruncateAsync(this.fd, size);
  }

  sync(): Promise<void> {
    return fsyncAsync(this.fd);
  }

  datasync(): Promise<void> {
    return fdatasyncAsync(this.fd);
  }

  utimes(atime: Date, mtime: Date): Promise<void> {
    return futimesAsync(this.fd, atime, mtime);
  }

  /** Closes the descriptor; a second call gets the first one's result (the number may already be another file's). */
  close(): Promise<void> {
    this.closing ??= this.calls.close(this.fd);
    return this.closing;
  }
}
