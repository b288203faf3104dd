import type { GivenVersions } from '../handles/given-versions';
import type { OpenFiles } from '../handles/open-files';
import type { ObjectReaders } from '../read/object-readers';
import type { S3Tree } from '../tree/s3-tree';
import type { SharedWriter } from './open-writers';

/** Uploads of files written through the mount, and what each one changes in the mount's view of the bucket. */
export class Commits {
  /** Uploads in progress, which shutdown waits for. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly tree: S3Tree,
    private readonly readers: ObjectReaders,
    private readonly versions: GivenVersions,
    private readonly files: OpenFiles,
  ) {}

  /** Uploads what `shared` holds, if anything changed and a name still leads to it. */
  async commit(shared: SharedWriter): Promise<void> {
    if (shared.unlinked) return;
    const commit = shared.writer.commit();
    this.inFlight.add(commit);
    const result = await commit.finally(() => this.inFlight.delete(commit));
    if (!result) return;
    const { path, writer } = shared;
    this.tree.learnMetadata(writer.key, result.etag, writer.metadata);
    this.versions.give(path, result.etag);
    this.readers.evict(writer.key);
    // A version written through this mount is not a change behind a reader's back: its readers follow it.
    this.files.followUpload(path, () => this.readers.open({ key: writer.key, etag: result.etag, size: result.size }));
    this.tree.forget(path);
  }

  /** Resolves once every upload under way has succeeded or failed. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}
