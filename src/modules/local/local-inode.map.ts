import type { FileStats } from './file-stats';
import { join } from 'node:path';
import { FileKind, FsError, Ino, ROOT_INO } from '../fuse';

/** One name of an inode: hard links give a file several. */
export interface InodeName {
  parent: Ino;
  name: string;
}

interface InodeRecord {
  kind: FileKind;
  /** `dev:ino` of the backing file, to notice a name that now points at a different file. */
  identity: string;
  names: InodeName[];
  /** Tells this file from earlier ones given the same inode number. */
  generation: number;
}

/** Real inode numbers up to here are kept; numbers from here up are synthetic (exact as JavaScript numbers to 2^53). */
const SYNTHETIC_BASE = 2 ** 52;

/**
 * Maps the filesystem's inode numbers to where the files live under the root. A file keeps its real inode number
 * when it can (same device as the root, below 2^52, not taken by another file); otherwise it gets a synthetic one.
 * Each inode remembers its names as (parent inode, name), so renaming a directory is one update, not a walk over its
 * subtree, and a hard-linked file stays reachable when one of its names is removed. Each file gets a generation
 * unique within the map's life, so a number the backing filesystem reuses for a new file names it with a new
 * generation.
 */
export class LocalInodeMap {
  private readonly records = new Map<Ino, InodeRecord>();
  private readonly byIdentity = new Map<string, Ino>();
  private readonly rootDev: number;
  private nextSynthetic = SYNTHETIC_BASE;
  private generations = 0;

  constructor(
    private readonly root: string,
    rootStats: FileStats,
  ) {
    const identity = rootStats.identity;
    this.records.set(ROOT_INO, { kind: 'dir', identity, names: [], generation: 0 });
    this.byIdentity.set(identity, ROOT_INO);
    this.rootDev = rootStats.dev;
  }

  /** The inode number of the file `stats` describes, found at `name` in `parent`. */
  remember(stats: FileStats, parent: Ino, name: string): Ino {
    const identity = stats.identity;
    let ino = this.byIdentity.get(identity);
    if (ino === undefined) {
      ino = this.allocate(stats);
      this.byIdentity.set(identity, ino);
      this.generations = (this.generations + 1) % 2 ** 32;
      this.records.set(ino, { kind: kindOf(stats), identity, names: [], generation: this.generations });
    }
    const record = this.records.get(ino) as InodeRecord;
    if (ino !== ROOT_INO && !record.names.some((known) => known.parent === parent && known.name === name)) {
      record.names.unshift({ parent, name });
    }
    return ino;
  }

  /** The absolute backing path of `ino`; `ESTALE` when it is not known (any more). */
  pathOf(ino: Ino): string {
    const names: string[] = [];
    let current = ino;
    for (let depth = 0; current !== ROOT_INO; depth++) {
      const name = this.records.get(current)?.names[0];
      if (!name || depth > 4096) throw FsError.stale(`inode ${ino} is not known; look it up again`);
      names.push(name.name);
      current = name.parent;
    }
    return join(this.root, ...names.reverse());
  }

  kindOf(ino: Ino): FileKind {
    const record = this.records.get(ino);
    if (!record) throw FsError.stale(`inode ${ino} is not known; look it up again`);
    return record.kind;
  }

  /** Throws `ESTALE` unless `stats` is the file `ino` was assigned to. */
  assertSameFile(ino: Ino, stats: FileStats): void {
    if (this.records.get(ino)?.identity !== stats.identity) {
      throw FsError.stale(`inode ${ino} was replaced behind the mount; look it up again`);
    }
  }

  /** The generation of `ino`'s file; 0 for an inode no longer known. */
  generationOf(ino: Ino): number {
    return this.records.get(ino)?.generation ?? 0;
  }

  renamed(ino: Ino, from: InodeName, to: InodeName): void {
    const record = this.records.get(ino);
    if (!record) return;
    record.names = [to, ...record.names.filter((name) => !sameName(name, from) && !sameName(name, to))];
  }

  /** The name is gone; an inode with no known name left is forgotten (open handles do not need it). */
  unlinked(ino: Ino, name: InodeName): void {
    const record = this.records.get(ino);
    if (!record || ino === ROOT_INO) return;
    record.names = record.names.filter((known) => !sameName(known, name));
    if (record.names.length > 0) return;
    this.records.delete(ino);
    this.byIdentity.delete(record.identity);
  }

  private allocate(stats: FileStats): Ino {
    const real = stats.ino;
    if (stats.dev === this.rootDev && real > ROOT_INO && real < SYNTHETIC_BASE && !this.records.has(real)) return real;
    while (this.records.has(this.nextSynthetic)) this.nextSynthetic += 1;
    return this.nextSynthetic++;
  }
}

export function kindOf(stats: FileStats): FileKind {
  if (stats.isDirectory()) return 'dir';
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice()) return 'char';
  if (stats.isBlockDevice()) return 'block';
  return 'file';
}

function sameName(a: InodeName, b: InodeName): boolean {
  return a.parent === b.parent && a.name === b.name;
}
