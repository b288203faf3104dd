import type { ObjectWriter } from './object-writer';

/** The writer every handle of one file open for writing shares. */
export interface SharedWriter {
  readonly writer: ObjectWriter;
  /** The name it is registered under: a rename moves it, whatever name each handle was opened by. */
  path: string;
  opens: number;
  /** Unlinked (or renamed over) while open: its content must never be uploaded, and no name leads to it. */
  unlinked: boolean;
}

/**
 * The files open for writing through this mount: one writer per path, shared by every handle of the file (readers'
 * too, so they see the newest content). A registered writer is never an unlinked one: unlinking takes it off its name,
 * and only the handles that hold it still reach it.
 */
export class OpenWriters {
  private readonly byPath = new Map<string, SharedWriter>();

  /** How many files are open for writing through this mount. */
  get size(): number {
    return this.byPath.size;
  }

  /** The writer of the file at `path`, when it is open for writing through this mount. */
  at(path: string): SharedWriter | undefined {
    return this.byPath.get(path);
  }

  /** A new writer for `path`, held by its first handle. */
  open(path: string, writer: ObjectWriter): SharedWriter {
    const shared: SharedWriter = { writer, path, opens: 1, unlinked: false };
    this.byPath.set(path, shared);
    return shared;
  }

  /** Another handle shares `shared`. */
  join(shared: SharedWriter): void {
    shared.opens += 1;
  }

  /** A handle of `shared` closed; true when it was the last one (the caller then uploads and calls {@link letGo}). */
  leave(shared: SharedWriter): boolean {
    shared.opens -= 1;
    return shared.opens === 0;
  }

  /**
   * Takes `shared` off its name if still no handle holds it: true when it is gone (the caller discards it); false when
   * a new open joined it while the last one's upload ran.
   */
  letGo(shared: SharedWriter): boolean {
    if (shared.opens > 0) return false;
    if (this.byPath.get(shared.path) === shared) this.byPath.delete(shared.path);
    return true;
  }

  /** `path` no longer names its file (unlinked, or renamed over): its writer, if any, never uploads. */
  detach(path: string): void {
    const shared = this.byPath.get(path);
    if (!shared) return;
    shared.unlinked = true;
    this.byPath.delete(path);
  }

  /** The file at `from` was renamed to `to`, and its content goes to `key`. */
  move(from: string, to: string, key: string): void {
    const shared = this.byPath.get(from);
    if (!shared) return;
    this.byPath.delete(from);
    this.byPath.set(to, shared);
    shared.path = to;
    shared.writer.moveTo(key);
  }

  /** Whether a file below directory `dir` is open for writing. */
  anyBelow(dir: string): string | undefined {
    const below = `${dir}/`;
    for (const path of this.byPath.keys()) if (path.startsWith(below)) return path;
    return undefined;
  }

  /** Every registered writer with its path. */
  entries(): IterableIterator<[string, SharedWriter]> {
    return this.byPath.entries();
  }

  clear(): void {
    this.byPath.clear();
  }
}
