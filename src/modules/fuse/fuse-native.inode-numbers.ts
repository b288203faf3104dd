import type { Ino } from './interfaces/file-attr.interface';

/** Inode numbers from here up are handed out by {@link FuseNativeInodeNumbers}; smaller ones pass as they are. */
export const NARROWED_BASE = 0xf000_0000;
const UINT32_MAX = 0xffff_ffff;

/**
 * fuse-native carries inode numbers as uint32. A filesystem's 64-bit numbers at or above {@link NARROWED_BASE} get a
 * number of their own from the top of the 32-bit range, the same one each time, so `find`, `du` and `cp -a` still
 * tell files apart. One table per mount.
 */
export class FuseNativeInodeNumbers {
  private readonly narrowed = new Map<Ino, number>();
  private next = NARROWED_BASE;

  of(ino: Ino): number {
    if (ino < NARROWED_BASE) return ino;
    let number = this.narrowed.get(ino);
    if (number === undefined) {
      if (this.next > UINT32_MAX) throw new RangeError('more than 268 million inode numbers above 2^32 - 2^28: use the kernel transport');
      number = this.next++;
      this.narrowed.set(ino, number);
    }
    return number;
  }
}
