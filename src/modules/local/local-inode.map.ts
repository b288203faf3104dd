import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { FileKind, FsError, Ino, ROOT_INO } from '../fuse';

interface InodeRecord {
  parent: Ino;
  name: string;
  kind: FileKind;
  /** `dev:ino` of the backing file, to notice a name that now points at a different file. */
  identity: string;
}

/** fuse-native passes inode numbers as uint32; numbers it cannot carry get a synthetic one from this range. */
const SYNTHETIC_BASE = 0xf000_0000;
const UINT32_MAX = 0xffff_ffff;

/**
 * Maps the filesystem's inode numbers to where the files live under the root. A file keeps its real inode number
 * when it fits (same device as the root, below 2^32, not taken by another file); otherwise it gets a synthetic one.
 * Each inode remembers its parent and name, so renaming a directory is one update, not a walk over its subtree.
 */
export class LocalInodeMap {
  private readonly records = new Map<Ino, InodeRecord>();
  private readonly byIdentity = new Map<string, Ino>();
  private nextSynthetic = SYNTHETIC_BASE;

  constructor(
    private readonly root: string,
    rootStats: Stats,
  ) {
    const identity = identityOf(rootStats);
    this.records.set(ROOT_INO, { parent: ROOT_INO, name: '', kind: 'dir', identity });
    this.byIdentity.set(identity, ROOT_INO);
    this.rootDev = rootStats.dev;
  }

  private readonly rootDev: number;

  /** The inode number of the file `stats` describes, found at `name` in `parent`. */
  remember(stats: Stats, parent: Ino, name: string): Ino {
    const identity = identityOf(stats);
    const kind = kindOf(stats);
    let ino = this.byIdentity.get(identity);
    if (ino === undefined) {
      ino = this.allocate(stats);
      this.byIdentity.set(identity, ino);
    }
    if (ino !== ROOT_INO) this.records.set(ino, { parent, name, kind, identity });
    return ino;
  }

  /** The absolute backing path of `ino`; `ESTALE` when it is not known (any more). */
  pathOf(ino: Ino): string {
    const names: string[] = [];
    let current = ino;
    for (let depth = 0; current !== ROOT_INO; depth++) {
      const record = this.records.get(current);
      if (!record || depth > 4096) throw FsError.stale(`inode ${ino} is not known; look it up again`);
      names.push(record.name);
      current = record.parent;
    }
    return join(this.root, ...names.reverse());
  }

  kindOf(ino: Ino): FileKind {
    const record = this.records.get(ino);
    if (!record) throw FsError.stale(`inode ${ino} is not known; look it up again`);
    return record.kind;
  }

  /** Throws `ESTALE` unless `stats` is the file `ino` was assigned to. */
  assertSameFile(ino: Ino, stats: Stats): void {
    const record = this.records.get(ino);
    if (!record || record.identity !== identityOf(stats)) {
      throw FsError.stale(`inode ${ino} was replaced behind the mount; look it up again`);
    }
  }

  /** Inode `ino` was reached as `name` in `parent` — keeps hard links reachable through their newest name. */
  moved(ino: Ino, parent: Ino, name: string): void {
    const record = this.records.get(ino);
    if (record) this.records.set(ino, { ...record, parent, name });
  }

  /** The name `name` in `parent` is gone; its inode is forgotten unless it is known by another name. */
  removed(ino: Ino, parent: Ino, name: string, remainingLinks: number): void {
    const record = this.records.get(ino);
    if (!record || record.parent !== parent || record.name !== name || remainingLinks > 0) return;
    this.records.delete(ino);
    this.byIdentity.delete(record.identity);
  }

  private allocate(stats: Stats): Ino {
    const real = stats.ino;
    if (stats.dev === this.rootDev && real > ROOT_INO && real < SYNTHETIC_BASE && !this.records.has(real)) return real;
    while (this.records.has(this.nextSynthetic) || this.nextSynthetic === ROOT_INO) {
      this.nextSynthetic = this.nextSynthetic >= UINT32_MAX ? SYNTHETIC_BASE : this.nextSynthetic + 1;
    }
    return this.nextSynthetic++;
  }
}

export function kindOf(stats: Stats): FileKind {
  if (stats.isDirectory()) return 'dir';
  if (stats.isSymbolicLink()) return 'symlink';
  return 'file';
}

function identityOf(stats: Stats): string {
  return `${stats.dev}:${stats.ino}`;
}
