import { FsError } from '../errors/fs-error';
import type { FilesystemSession } from '../filesystem-session';
import type { Fh, FileAttr, Ino, RequestContext } from '../interfaces/file-attr.interface';
import { DT_DIR } from './fuse-protocol';
import { DirentBuffer, direntType, Validity } from './fuse-reply';

/** `.` and `..` come first: the kernel's offsets 0 and 1; a handler's offset k is the kernel's k + 2. */
const DOT_ENTRIES = 2;

export interface DirectoryPage {
  body: Buffer;
  /** Inodes given to the kernel with their attributes (READDIRPLUS): each is now held by one more lookup. */
  counted: Ino[];
}

/**
 * Fills READDIR and READDIRPLUS replies from the session's listing pages: as many whole entries as the kernel's
 * buffer takes, continuing across the handler's pages. Entries that did not fit are listed again from their offset
 * by the next request.
 */
export class DirectoryReader {
  constructor(
    private readonly session: FilesystemSession,
    private readonly present: (attr: FileAttr) => FileAttr,
    private readonly entryValid: Validity,
    private readonly attrValid: Validity,
  ) {}

  async read(ino: Ino, fh: Fh, offset: number, size: number, plus: boolean, context?: RequestContext): Promise<DirectoryPage> {
    const out = new DirentBuffer(size, plus);
    const counted: Ino[] = [];
    let next = offset;
    if (next === 0) {
      if (!out.add(ino, '.', DT_DIR, 1)) return { body: out.contents(), counted };
      next = 1;
    }
    if (next === 1) {
      // The parent's inode is not known here; tools read `..` by name, not by this number.
      if (!out.add(ino, '..', DT_DIR, DOT_ENTRIES)) return { body: out.contents(), counted };
      next = DOT_ENTRIES;
    }
    let from = next - DOT_ENTRIES;
    for (;;) {
      const entries = await this.session.readdir(ino, fh, from, context);
      if (entries.length === 0) break;
      for (const entry of entries) {
        if (!(entry.offset > from)) {
          throw FsError.io(
            `the readdir handler must give each entry an offset larger than the one it was asked for (got ${entry.offset} after ${from})`,
          );
        }
        const withAttr = plus && entry.attr !== undefined;
        const fits = out.add(
          entry.ino,
          entry.name,
          direntType(entry.kind),
          entry.offset + DOT_ENTRIES,
          withAttr ? { attr: this.present(entry.attr as FileAttr), entry: this.entryValid, attrValid: this.attrValid } : undefined,
        );
        if (!fits) return { body: out.contents(), counted };
        if (withAttr) counted.push((entry.attr as FileAttr).ino);
        from = entry.offset;
      }
    }
    return { body: out.contents(), counted };
  }
}
