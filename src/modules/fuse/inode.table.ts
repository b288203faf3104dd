import { ObservationEpochs } from './observation-epochs';
import type { FileAttr, FileKind, Ino } from './interfaces/file-attr.interface';

/** What the name cache knows about a child: enough to walk a path without a round trip. */
export interface ChildRef {
  ino: Ino;
  kind: FileKind;
}

interface Cached<T> {
  value: T;
  expiresAt: number;
}

/** Sweep expired entries after this many insertions, so a `find` over a huge tree does not pin every name forever. */
const SWEEP_EVERY = 50_000;

/**
 * The module's name cache (parent inode + name → inode) and attribute cache, each entry valid for its TTL.
 * Keyed by parent inode and name rather than by path, so renaming a directory needs no walk over its subtree.
 *
 * A lookup, getattr or listing runs concurrently with changes to the inodes it reports (it holds only its own inode
 * or directory shared), so what it read may be older than a change that finished while it ran. Such an answer is
 * an observation: it is remembered only if none of the inodes it names changed after it started.
 */
export class InodeTable {
  private readonly children = new Map<Ino, Map<string, Cached<ChildRef>>>();
  private readonly attrs = new Map<Ino, Cached<FileAttr>>();
  private insertions = 0;
  private readonly epochs = new ObservationEpochs<Ino>();
  /** Inodes changed where the module cannot see it (the kernel writes them through passthrough), with a count each. */
  private readonly bypassed = new Map<Ino, number>();

  constructor(private readonly now: () => number = Date.now) {}

  child(parent: Ino, name: string): ChildRef | undefined {
    const entry = this.children.get(parent)?.get(name);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.forgetChild(parent, name);
      return undefined;
    }
    return entry.value;
  }

  /** Starts an observation; pass what this returns to the remember calls of its answer, then to {@link endObservation}. */
  beginObservation(): number {
    return this.epochs.begin();
  }

  endObservation(since: number): void {
    this.epochs.end(since);
  }

  /** True when `ino` (its attributes, or its entries when a directory) changed after the observation `since` began. */
  changedSince(ino: Ino, since: number): boolean {
    return this.epochs.changedSince(ino, since);
  }

  /** Records that `ino` (its attributes, or its entries when a directory) changed: observations in flight are stale for it. */
  markChanged(ino: Ino): void {
    this.epochs.markChanged(ino);
  }

  rememberChild(parent: Ino, name: string, child: ChildRef, ttlMs: number, since?: number): void {
    if (ttlMs <= 0) return;
    if (since !== undefined && (this.epochs.changedSince(parent, since) || this.epochs.changedSince(child.ino, since))) return;
    let names = this.children.get(parent);
    if (!names) {
      names = new Map();
      this.children.set(parent, names);
    }
    names.set(name, { value: child, expiresAt: this.now() + ttlMs });
    this.countInsertion();
  }

  forgetChild(parent: Ino, name: string): void {
    this.markChanged(parent);
    this.dropChild(parent, name);
  }

  /** Drops the cached name without marking anything changed (to save memory, not because it changed). */
  dropChild(parent: Ino, name: string): void {
    const names = this.children.get(parent);
    if (!names) return;
    names.delete(name);
    if (names.size === 0) this.children.delete(parent);
  }

  /** Drops every cached name and attribute (SIGHUP): the next lookup asks the handlers. */
  clear(): void {
    this.epochs.markAllChanged();
    this.children.clear();
    this.attrs.clear();
  }

  /** Drops every cached name inside directory `parent` (its listing changed behind our back). */
  forgetChildrenOf(parent: Ino): void {
    this.markChanged(parent);
    this.children.delete(parent);
  }

  /**
   * Until the returned function is called, `ino`'s attributes are neither answered from nor kept in the cache: its
   * contents change without a write handler running (passthrough). Calls nest; the last end drops what was cached.
   */
  bypass(ino: Ino): () => void {
    this.bypassed.set(ino, (this.bypassed.get(ino) ?? 0) + 1);
    this.forgetAttr(ino);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const count = (this.bypassed.get(ino) ?? 1) - 1;
      if (count > 0) this.bypassed.set(ino, count);
      else this.bypassed.delete(ino);
      this.forgetAttr(ino);
    };
  }

  attr(ino: Ino): FileAttr | undefined {
    if (this.bypassed.has(ino)) return undefined;
    const entry = this.attrs.get(ino);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.attrs.delete(ino);
      return undefined;
    }
    return entry.value;
  }

  rememberAttr(attr: FileAttr, ttlMs: number, since?: number): void {
    if (ttlMs <= 0 || this.bypassed.has(attr.ino)) return;
    if (since !== undefined && this.epochs.changedSince(attr.ino, since)) return;
    this.attrs.set(attr.ino, { value: attr, expiresAt: this.now() + ttlMs });
    this.countInsertion();
  }

  forgetAttr(ino: Ino): void {
    this.markChanged(ino);
    this.attrs.delete(ino);
  }

  private countInsertion(): void {
    this.insertions += 1;
    if (this.insertions % SWEEP_EVERY === 0) this.sweep();
  }

  private sweep(): void {
    const now = this.now();
    for (const [parent, names] of this.children) {
      for (const [name, entry] of names) if (entry.expiresAt <= now) names.delete(name);
      if (names.size === 0) this.children.delete(parent);
    }
    for (const [ino, entry] of this.attrs) if (entry.expiresAt <= now) this.attrs.delete(ino);
  }
}
