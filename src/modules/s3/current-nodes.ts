import { FsError } from '../fuse';
import type { S3Node, S3Tree } from './tree/s3-tree';
import type { OpenWriters } from './write/open-writers';
import { pendingNode } from './write/pending-node';

/** What is at a path now: the content of a file open for writing through this mount, else the bucket's answer. */
export class CurrentNodes {
  constructor(
    private readonly tree: S3Tree,
    private readonly writers: OpenWriters,
  ) {}

  /** The node at `path` (the bucket's answer is cached for the metadata TTL); undefined when nothing is there. */
  async at(path: string): Promise<S3Node | undefined> {
    const shared = this.writers.at(path);
    if (!shared) return this.tree.lookup(path);
    await shared.writer.refresh();
    return pendingNode(shared.writer);
  }

  /** The node at `path` as the bucket has it now (no cached answer); ENOENT when nothing is there. */
  async fresh(path: string): Promise<S3Node> {
    this.tree.forget(path);
    const node = await this.tree.lookup(path);
    if (!node) throw FsError.notFound();
    return node;
  }
}
