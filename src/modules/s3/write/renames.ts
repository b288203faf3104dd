import { FsError } from '../../fuse';
import type { CurrentNodes } from '../current-nodes';
import type { ObjectReaders } from '../read/object-readers';
import type { S3ObjectStore } from '../store/s3-object.store';
import { mapWithConcurrency } from '../store/with-concurrency';
import type { S3Node, S3Tree } from '../tree/s3-tree';
import type { Commits } from './commits';
import type { OpenWriters } from './open-writers';

const COPY_CONCURRENCY = 16;

/** rename(2) on a bucket, which has no rename: each key is copied to its new name, then deleted. */
export class Renames {
  constructor(
    private readonly store: S3ObjectStore,
    private readonly tree: S3Tree,
    private readonly nodes: CurrentNodes,
    private readonly writers: OpenWriters,
    private readonly commits: Commits,
    private readonly readers: ObjectReaders,
  ) {}

  /** Moves what is at `from` to `to`, replacing a file or an empty directory there as rename(2) does. */
  async rename(from: string, to: string): Promise<void> {
    const source = await this.nodes.at(from);
    if (!source) throw FsError.notFound();
    // A rename onto its own name changes nothing (POSIX); copying then deleting would delete the file.
    if (from === to) return;
    const target = await this.nodes.at(to);
    if (source.kind === 'dir') {
      if (target && target.kind !== 'dir') throw FsError.notDirectory();
      if (target && !(await this.isEmptyDirectory(to))) throw FsError.notEmpty();
      await this.renameDirectory(from, to);
    } else {
      if (target?.kind === 'dir') throw FsError.isDirectory();
      await this.renameFile(from, to, source);
    }
    this.tree.forgetTree(from);
    this.tree.forgetTree(to);
  }

  /** Whether the directory at `path` holds nothing (its own marker aside) in the bucket. */
  private async isEmptyDirectory(path: string): Promise<boolean> {
    const prefix = this.tree.dirPrefix(path);
    const page = await this.store.listRecursive(prefix, undefined, 2);
    return !page.objects.some((object) => object.key !== prefix);
  }

  private async renameFile(from: string, to: string, source: S3Node): Promise<void> {
    // The file renamed over is gone from its name, as after an unlink: a handle still open on it (a reader's, say)
    // must never upload its content onto the name it no longer has.
    this.writers.detach(to);
    const shared = this.writers.at(from);
    if (shared) {
      await this.commits.commit(shared);
      this.writers.move(from, to, this.tree.fileKey(to));
    }
    const fromKey = this.tree.fileKey(from);
    const toKey = this.tree.fileKey(to);
    await this.store.copy(fromKey, toKey, undefined, source.size);
    await this.store.delete(fromKey);
    this.tree.movedKeys(fromKey, toKey, true);
    this.readers.evict(fromKey);
    this.readers.evict(toKey);
  }

  /** Each key below the directory is copied, then deleted; the marker goes last, so a failure leaves it findable. */
  private async renameDirectory(from: string, to: string): Promise<void> {
    const pending = this.writers.anyBelow(from);
    if (pending !== undefined) throw FsError.invalid(`${pending} is open for writing; close it before renaming its directory`);
    const fromPrefix = this.tree.dirPrefix(from);
    const toPrefix = this.tree.dirPrefix(to);
    const objects: Array<{ key: string; size: number }> = [];
    let token: string | undefined;
    do {
      const page = await this.store.listRecursive(fromPrefix, token);
      objects.push(...page.objects);
      token = page.nextToken;
    } while (token);
    const hasMarker = objects.some((object) => object.key === fromPrefix);
    const contents = objects.filter((object) => object.key !== fromPrefix);
    await mapWithConcurrency(contents, COPY_CONCURRENCY, (object) =>
      this.store.copy(object.key, toPrefix + object.key.slice(fromPrefix.length), undefined, object.size),
    );
    if (hasMarker) await this.store.copy(fromPrefix, toPrefix);
    else await this.store.put(toPrefix, Buffer.alloc(0), {}, 0);
    await mapWithConcurrency(contents, COPY_CONCURRENCY, (object) => this.store.delete(object.key));
    if (hasMarker) await this.store.delete(fromPrefix);
    this.tree.movedKeys(fromPrefix, toPrefix, false);
  }
}
