import { FileKind, FsError, Ino, ROOT_INO } from '../../fuse';
import { joinPath } from './s3-paths';

interface NamespaceNode {
  parent: Ino;
  name: string;
  kind: FileKind;
}

/**
 * How long a forgotten inode stays known. A lookup may have picked the inode's number just before the kernel's FORGET
 * was handled and send it after: within this time that lookup's answer takes the inode back.
 */
const FORGET_GRACE_MS = 2_000;

/**
 * Stable inode numbers for the paths of a bucket. A path keeps its number for as long as the kernel holds it; each
 * node stores its parent and name, so a renamed directory's subtree follows without being walked. A node the kernel
 * forgot is dropped (with whatever is known below it), so the mount's memory follows the kernel's inode cache rather
 * than every path it ever saw.
 */
export class S3Namespace {
  private readonly nodes = new Map<Ino, NamespaceNode>();
  private readonly children = new Map<Ino, Map<string, Ino>>();
  /** Forgotten inodes and when, oldest first: dropped once {@link FORGET_GRACE_MS} passed without a lookup of them. */
  private readonly forgotten = new Map<Ino, number>();
  /** Inodes whose names were handed back to the kernel ({@link releaseOldest}), until it forgets them. */
  private readonly releasing = new Set<Ino>();
  private nextIno = ROOT_INO + 1;

  constructor(private readonly now: () => number = Date.now) {
    this.nodes.set(ROOT_INO, { parent: ROOT_INO, name: '', kind: 'dir' });
  }

  /** How many inodes are known, the root included. */
  get size(): number {
    return this.nodes.size;
  }

  /** The inode of `name` in `parent`, created on first sight (or taken back); its kind is updated to what S3 says now. */
  inodeOf(parent: Ino, name: string, kind: FileKind): Ino {
    if (this.forgotten.size > 0) this.dropForgotten();
    let names = this.children.get(parent);
    if (!names) {
      names = new Map();
      this.children.set(parent, names);
    }
    let ino = names.get(name);
    if (ino === undefined || this.nodes.get(ino)?.kind !== kind) {
      if (ino !== undefined) this.drop(ino);
      ino = this.nextIno++;
      names.set(name, ino);
      this.nodes.set(ino, { parent, name, kind });
    } else {
      this.forgotten.delete(ino);
      this.releasing.delete(ino);
      // Last answered goes last: what releaseOldest hands back is what the mount answered least recently.
      const node = this.nodes.get(ino) as NamespaceNode;
      this.nodes.delete(ino);
      this.nodes.set(ino, node);
    }
    return ino;
  }

  /**
   * When more than `limit` inodes are known (not counting those on their way out), hands the names of the oldest
   * files back through `release` — down to 90 % of `limit` — and stops at the first it refuses (no kernel to tell).
   */
  releaseOldest(limit: number, release: (parent: Ino, name: string) => boolean): void {
    if (this.forgotten.size > 0) this.dropForgotten();
    const kept = this.nodes.size - this.forgotten.size - this.releasing.size;
    if (kept <= limit) return;
    let excess = kept - Math.floor(limit * 0.9);
    for (const [ino, node] of this.nodes) {
      if (excess <= 0) return;
      if (node.kind === 'dir' || this.forgotten.has(ino) || this.releasing.has(ino)) continue;
      if (!release(node.parent, node.name)) return;
      this.releasing.add(ino);
      excess -= 1;
    }
  }

  /**
   * The kernel no longer holds `ino`. It is dropped (with everything known below it: the kernel forgets a directory
   * only after the names in it) once the grace time passed with no lookup answering it again.
   */
  forget(ino: Ino): void {
    if (ino !== ROOT_INO && this.nodes.has(ino)) {
      this.releasing.delete(ino);
      this.forgotten.delete(ino);
      this.forgotten.set(ino, this.now());
    }
    this.dropForgotten();
  }

  kindOf(ino: Ino): FileKind {
    return this.node(ino).kind;
  }

  /** The path of `ino` relative to the mount's prefix: '' for the root, `a/b` below it. */
  pathOf(ino: Ino): string {
    const names: string[] = [];
    let current = ino;
    for (let depth = 0; current !== ROOT_INO; depth++) {
      const node = this.node(current);
      if (depth > 4096) throw FsError.stale();
      names.push(node.name);
      current = node.parent;
    }
    return names.reverse().join('/');
  }

  childPath(parent: Ino, name: string): string {
    return joinPath(this.pathOf(parent), name);
  }

  renamed(parent: Ino, name: string, newParent: Ino, newName: string): void {
    const ino = this.children.get(parent)?.get(name);
    if (ino === undefined) return;
    this.children.get(parent)?.delete(name);
    const replaced = this.children.get(newParent)?.get(newName);
    if (replaced !== undefined) this.drop(replaced);
    let names = this.children.get(newParent);
    if (!names) {
      names = new Map();
      this.children.set(newParent, names);
    }
    names.set(newName, ino);
    this.nodes.set(ino, { ...this.node(ino), parent: newParent, name: newName });
  }

  removed(parent: Ino, name: string): void {
    const ino = this.children.get(parent)?.get(name);
    if (ino !== undefined) this.drop(ino);
  }

  private dropForgotten(): void {
    const before = this.now() - FORGET_GRACE_MS;
    for (const [ino, at] of this.forgotten) {
      if (at > before) break;
      this.drop(ino);
    }
  }

  private drop(ino: Ino): void {
    this.forgotten.delete(ino);
    this.releasing.delete(ino);
    const node = this.nodes.get(ino);
    if (!node) return;
    this.children.get(node.parent)?.delete(node.name);
    for (const child of this.children.get(ino)?.values() ?? []) this.drop(child);
    this.children.delete(ino);
    this.nodes.delete(ino);
  }

  private node(ino: Ino): NamespaceNode {
    const node = this.nodes.get(ino);
    if (!node) throw FsError.stale(`inode ${ino} is no longer known; look the path up again`);
    return node;
  }
}
