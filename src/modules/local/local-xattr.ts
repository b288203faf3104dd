import { getAttribute, getAttributeSync, listAttributes, listAttributesSync, removeAttribute, setAttribute } from '@napi-rs/xattr';
import { FsError } from '../fuse';

const XATTR_CREATE = 1;
const XATTR_REPLACE = 2;

/**
 * Extended attributes of backing files, through a native binding that never follows symlinks (Node has no xattr
 * API). `ls -l` asks for two attributes of every file it lists, so this has to be a syscall, not a process.
 */
export class LocalXattr {
  /**
   * `inline`: reads (get, list) run on the JavaScript thread, like the backend's stats — the kernel asks for
   * security.capability before every write and `ls -l` for two attributes of every file, and a hop to the thread pool
   * costs more than the call. Changes stay on the thread pool.
   */
  constructor(private readonly inline: boolean) {}

  /**
   * The binding answers null both for a missing attribute and for a missing file; the kernel looked the file up just
   * before, so it is the attribute. No second syscall: the kernel asks for security.capability before every write.
   */
  async get(path: string, name: string): Promise<Buffer> {
    const value = await attempt(async () => (this.inline ? getAttributeSync(path, name) : getAttribute(path, name)));
    if (value === null) throw FsError.noAttribute();
    return value;
  }

  list(path: string): Promise<string[]> {
    return attempt(async () => (this.inline ? listAttributesSync(path) : listAttributes(path)));
  }

  async set(path: string, name: string, value: Buffer, flags: number): Promise<void> {
    if (flags & (XATTR_CREATE | XATTR_REPLACE)) {
      const exists = (await this.list(path)).includes(name);
      if (flags & XATTR_CREATE && exists) throw FsError.exists(`attribute ${name} already exists`);
      if (flags & XATTR_REPLACE && !exists) throw FsError.noAttribute(`attribute ${name} does not exist`);
    }
    await attempt(() => setAttribute(path, name, value));
  }

  remove(path: string, name: string): Promise<void> {
    return attempt(() => removeAttribute(path, name));
  }
}

/** The binding reports failures as "<message> (os error N)"; N is the errno to answer with. */
async function attempt<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const system = FsError.fromSystemError(error);
    if (system) throw system;
    const match = /\(os error (\d+)\)/.exec(error instanceof Error ? error.message : String(error));
    if (match) throw new FsError(Number(match[1]), error instanceof Error ? error.message : undefined);
    throw error;
  }
}
