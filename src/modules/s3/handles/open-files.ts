import { Fh, FsError, Ino } from '../../fuse';
import type { ObjectReader } from '../read/object-reader';
import type { ObjectWriter } from '../write/object-writer';
import type { SharedWriter } from '../write/open-writers';

/** One handle of an open file: a reader of the version it opened, or its share of the file's writer. */
export interface OpenFile {
  readonly ino: Ino;
  readonly path: string;
  reader?: ObjectReader;
  readonly writer?: SharedWriter;
}

/** The mount's open file handles, by the number the kernel is given for each. */
export class OpenFiles {
  private readonly byFh = new Map<Fh, OpenFile>();
  private nextFh = 1;

  /** Keeps `file` under a new handle number. */
  add(file: OpenFile): Fh {
    const fh = this.nextFh++;
    this.byFh.set(fh, file);
    return fh;
  }

  /** The file of `fh`, if it is open. */
  get(fh: Fh): OpenFile | undefined {
    return this.byFh.get(fh);
  }

  /** The file of `fh`; EBADF when it is not open. */
  fileOf(fh: Fh): OpenFile {
    const file = this.byFh.get(fh);
    if (!file) throw FsError.badHandle();
    return file;
  }

  /** The writer of `fh`; EBADF when it is not open, or open only for reading. */
  writerOf(fh: Fh): ObjectWriter {
    const shared = this.fileOf(fh).writer;
    if (!shared) throw FsError.badHandle('the file is not open for writing');
    return shared.writer;
  }

  /** Closes `fh`, giving back its file. */
  remove(fh: Fh): OpenFile | undefined {
    const file = this.byFh.get(fh);
    this.byFh.delete(fh);
    return file;
  }

  /** A version of `path` was uploaded through this mount: each handle reading it reads that version from now on. */
  followUpload(path: string, reader: () => ObjectReader): void {
    for (const file of this.byFh.values()) if (file.path === path && file.reader) file.reader = reader();
  }
}
