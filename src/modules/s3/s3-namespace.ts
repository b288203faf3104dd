import { FileKind, FsError, Ino, ROOT_INO } from '../fuse';
import { joinPath } from './s3-paths';

interface NamespaceNode {
  parent: Ino;
  name: string;
  kind: FileKind;
}

/**
 * Stable inode numbers for the paths of a bucket. A path keeps its number for as long as the mount knows it; each
 * node stores its parent and name, so a renamed directory's subtree follows without being walked.
 */
export class S3Namespace {
  private readonly nodes = new Map<Ino, NamespaceNode>();
  private readonly children = new Map<Ino, Map<string, Ino>>();
  private nextIno = ROOT_INO + 1;

  constructor() {
    this.nodes.set(ROOT_INO, { parent: ROOT_INO, name: '', kind: 'dir' });
  }

  /** The inode of `name` in `parent`, created on first sight; its kind is updated to what S3 says now. */
  inodeOf(parent: Ino, name: string, kind: FileKind): Ino {
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
    }
    return ino;
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

  private drop(ino: Ino): void {
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
