import type { BigIntStats } from 'node:fs';
import * as fs from 'node:fs/promises';

/**
 * A backing file's status, with its times to the nanosecond: Node's number `Stats` hold a present-day time only to
 * about a quarter of a microsecond, so the local backend reads `BigIntStats` and keeps each time's nanoseconds.
 */
export class FileStats {
  readonly dev: number;
  readonly ino: number;
  readonly mode: number;
  readonly nlink: number;
  readonly uid: number;
  readonly gid: number;
  readonly rdev: number;
  readonly size: number;
  readonly blksize: number;
  readonly blocks: number;
  readonly atime: Date;
  readonly mtime: Date;
  readonly ctime: Date;
  /** The nanoseconds within each time's second. */
  readonly atimeNsec: number;
  readonly mtimeNsec: number;
  readonly ctimeNsec: number;
  /** `dev:ino`, exact: inode numbers above 2^53 do not fit a number. */
  readonly identity: string;

  constructor(private readonly stats: BigIntStats) {
    this.dev = Number(stats.dev);
    this.ino = Number(stats.ino);
    this.mode = Number(stats.mode);
    this.nlink = Number(stats.nlink);
    this.uid = Number(stats.uid);
    this.gid = Number(stats.gid);
    this.rdev = Number(stats.rdev);
    this.size = Number(stats.size);
    this.blksize = Number(stats.blksize);
    this.blocks = Number(stats.blocks);
    this.atime = stats.atime;
    this.mtime = stats.mtime;
    this.ctime = stats.ctime;
    this.atimeNsec = nanosecondsOf(stats.atimeNs);
    this.mtimeNsec = nanosecondsOf(stats.mtimeNs);
    this.ctimeNsec = nanosecondsOf(stats.ctimeNs);
    this.identity = `${stats.dev}:${stats.ino}`;
  }

  isFile(): boolean {
    return this.stats.isFile();
  }
  isDirectory(): boolean {
    return this.stats.isDirectory();
  }
  isSymbolicLink(): boolean {
    return this.stats.isSymbolicLink();
  }
  isFIFO(): boolean {
    return this.stats.isFIFO();
  }
  isSocket(): boolean {
    return this.stats.isSocket();
  }
  isCharacterDevice(): boolean {
    return this.stats.isCharacterDevice();
  }
  isBlockDevice(): boolean {
    return this.stats.isBlockDevice();
  }
}

export async function statOf(path: string): Promise<FileStats> {
  return new FileStats(await fs.stat(path, { bigint: true }));
}

function nanosecondsOf(ns: bigint): number {
  const remainder = Number(ns % 1_000_000_000n);
  return remainder < 0 ? remainder + 1_000_000_000 : remainder;
}
