import type { Ino } from '../interfaces/file-attr.interface';

/**
 * How many times the kernel holds each inode by a name it was given (lookup, create, mkdir, mknod, symlink, link, a
 * readdirplus entry with attributes); FORGET and BATCH_FORGET give counts back.
 */
export class LookupCounts {
  private readonly counts = new Map<Ino, number>();

  given(ino: Ino): void {
    this.counts.set(ino, (this.counts.get(ino) ?? 0) + 1);
  }

  /** Takes back `count` lookups of `ino`; true when the kernel holds it no more. */
  forgotten(ino: Ino, count: number): boolean {
    const left = (this.counts.get(ino) ?? 0) - count;
    if (left > 0) {
      this.counts.set(ino, left);
      return false;
    }
    this.counts.delete(ino);
    return true;
  }

  held(ino: Ino): boolean {
    return this.counts.has(ino);
  }
}
