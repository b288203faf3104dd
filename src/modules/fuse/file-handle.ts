import { constants } from 'node:fs';
import { Readable } from 'node:stream';
import { FsError } from './errors/fs-error';
import type { FilesystemSession } from './filesystem-session';
import type { Fh, FileAttr, Ino } from './interfaces/file-attr.interface';

export type SeekWhence = 'start' | 'current' | 'end';

export interface FileReadStreamOptions {
  /** First byte to read; default: the handle's current position. */
  start?: number;
  /** Last byte to read, inclusive (as in `fs.createReadStream`); default: end of file. */
  end?: number;
  /** Bytes per read call; default 128 KiB, the size the kernel uses on a mount. */
  chunkSize?: number;
}

const DEFAULT_CHUNK = 128 * 1024;

/**
 * A file of a filesystem read with no mount: the same handlers, locks and deadlines as the native mount.
 * Obtain the filesystem with `app.get(FuseFilesystemRegistry).get('name')`.
 */
export class FileHandle {
  private cursor = 0;
  private closed = false;

  private constructor(
    private readonly filesystem: FilesystemSession,
    readonly ino: Ino,
    readonly fh: Fh,
  ) {}

  /** Opens a file by path inside the filesystem (`/dir/file`) or by inode number. */
  static async open(filesystem: FilesystemSession, target: string | Ino, flags = constants.O_RDONLY): Promise<FileHandle> {
    const ino = typeof target === 'number' ? target : await filesystem.resolve(target);
    const attr = await filesystem.getattr(ino);
    if (attr.kind === 'dir') throw FsError.isDirectory(`${String(target)} is a directory`);
    if (attr.kind === 'symlink') throw FsError.loop(`${String(target)} is a symbolic link; open its target`);
    const fh = await filesystem.open(ino, flags);
    return new FileHandle(filesystem, ino, fh);
  }

  /** The position `readNext`, `seek('current')` and `createReadStream` start from. */
  get position(): number {
    return this.cursor;
  }

  async stat(): Promise<FileAttr> {
    this.assertOpen();
    return this.filesystem.getattr(this.ino, this.fh);
  }

  /** Reads up to `size` bytes at `offset` without moving the position; fewer only at end of file. */
  async read(offset: number, size: number): Promise<Buffer> {
    this.assertOpen();
    if (!Number.isInteger(offset) || offset < 0) throw FsError.invalid(`offset must be a non-negative integer, got ${offset}`);
    if (!Number.isInteger(size) || size < 0) throw FsError.invalid(`size must be a non-negative integer, got ${size}`);
    const chunks: Buffer[] = [];
    let total = 0;
    while (total < size) {
      const chunk = await this.filesystem.read(this.ino, this.fh, offset + total, size - total);
      if (chunk.length === 0) break;
      chunks.push(chunk);
      total += chunk.length;
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  }

  /** Reads up to `size` bytes at the position and advances it. */
  async readNext(size: number): Promise<Buffer> {
    const data = await this.read(this.cursor, size);
    this.cursor += data.length;
    return data;
  }

  /** Moves the position like `lseek(2)` and returns it. */
  async seek(offset: number, whence: SeekWhence = 'start'): Promise<number> {
    this.assertOpen();
    const base = whence === 'start' ? 0 : whence === 'current' ? this.cursor : (await this.stat()).size;
    const next = base + offset;
    if (!Number.isInteger(next) || next < 0) throw FsError.invalid(`cannot seek to ${next}`);
    this.cursor = next;
    return next;
  }

  /** A Node `Readable` of the file from the position (or `start`) to the end (or `end`, inclusive). */
  createReadStream(options: FileReadStreamOptions = {}): Readable {
    this.assertOpen();
    let offset = options.start ?? this.cursor;
    const end = options.end === undefined ? Infinity : options.end + 1;
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
    const stream: Readable = new Readable({
      highWaterMark: chunkSize,
      read: () => {
        const size = Math.min(chunkSize, end - offset);
        if (size <= 0) return void stream.push(null);
        this.filesystem.read(this.ino, this.fh, offset, size).then(
          (chunk) => {
            offset += chunk.length;
            this.cursor = offset;
            stream.push(chunk.length === 0 ? null : chunk);
          },
          (error: unknown) => stream.destroy(error instanceof Error ? error : new Error(String(error))),
        );
      },
    });
    return stream;
  }

  /** Releases the handle (the filesystem's `release`). Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.filesystem.release(this.ino, this.fh, 0);
  }

  private assertOpen(): void {
    if (this.closed) throw FsError.badHandle('the FileHandle is closed');
  }
}
