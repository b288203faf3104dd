import { Logger } from '@nestjs/common';
import { constants } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { Fh, FsError, Ino, OpenReply } from '../../fuse';
import type { CurrentNodes } from '../current-nodes';
import type { ObjectReaders } from '../read/object-readers';
import type { ResolvedS3Options } from '../s3-module-options.interface';
import type { ObjectInfo, S3ObjectStore } from '../store/s3-object.store';
import type { S3Tree } from '../tree/s3-tree';
import type { Commits } from '../write/commits';
import { ObjectWriter } from '../write/object-writer';
import type { OpenWriters, SharedWriter } from '../write/open-writers';
import { whyStagingMissesChanges } from '../write/staging-change-detection';
import type { GivenVersions } from './given-versions';
import type { OpenFiles } from './open-files';

const ACCESS_MODE = 3;
/** An open whose name keeps changing under it goes ahead on its last try (and caches nothing of what it saw). */
const OPEN_ATTEMPTS = 3;

/** What an open asks for: the inode and the flags it was opened with, and whether passthrough could serve it. */
export interface OpenRequest {
  readonly ino: Ino;
  readonly flags: number;
  readonly passthrough: boolean;
}

/**
 * open, create and release of files: a reader pinned to the version an open found, or a share of the one writer each
 * path open for writing has; the upload at the last close.
 */
export class FileOpens {
  /** Whether files open for writing may be staged and handed to the kernel (passthrough); settled at the first such open. */
  private stagingPassthrough?: Promise<boolean>;

  constructor(
    private readonly options: ResolvedS3Options,
    private readonly store: S3ObjectStore,
    private readonly tree: S3Tree,
    private readonly nodes: CurrentNodes,
    private readonly files: OpenFiles,
    private readonly writers: OpenWriters,
    private readonly commits: Commits,
    private readonly readers: ObjectReaders,
    private readonly versions: GivenVersions,
    /** Tells the kernel that what it caches of an inode (pages, attributes) is stale. */
    private readonly invalidate: (ino: Ino) => void,
    private readonly logger: Logger,
  ) {}

  /** Opens the file `path` names now; `pathOf` is asked again when the name changed while the open was under way. */
  async open(request: OpenRequest, pathOf: (ino: Ino) => string): Promise<OpenReply> {
    const writing = (request.flags & ACCESS_MODE) !== constants.O_RDONLY;
    if (writing && this.options.readOnly) throw FsError.readOnly();
    // The kernel opens an inode while another request may be renaming or removing its name (an open holds the inode, a
    // rename its directories): an answer about the old name is not kept, and the open tries the name it has now.
    for (let attempt = 1; ; attempt++) {
      const path = pathOf(request.ino);
      const since = this.tree.beginObservation();
      try {
        const opened = await this.openPath(request, path, writing, since, attempt < OPEN_ATTEMPTS);
        if (opened) return opened;
      } finally {
        this.tree.endObservation(since);
      }
    }
  }

  /** create: a new, empty file at `path`, open for writing and uploaded at its close. */
  create(ino: Ino, path: string, metadata: Record<string, string>): { fh: Fh; writer: ObjectWriter } {
    if (this.writers.at(path)) throw FsError.exists();
    const writer = ObjectWriter.empty(this.store, this.options, this.tree.fileKey(path), metadata, this.logger);
    const shared = this.writers.open(path, writer);
    this.tree.forget(path);
    return { fh: this.files.add({ ino, path, writer: shared }), writer };
  }

  /** release: the last handle of a file open for writing uploads it (if its last flush did not) and lets go of it. */
  async release(fh: Fh): Promise<void> {
    const shared = this.files.remove(fh)?.writer;
    if (!shared || !this.writers.leave(shared)) return;
    try {
      await this.commits.commit(shared);
    } finally {
      if (this.writers.letGo(shared)) await shared.writer.discard();
    }
  }

  /** Opens `path`; with `retry`, undefined when it changed through this mount after `since` (the caller tries again). */
  private async openPath(request: OpenRequest, path: string, writing: boolean, since: number, retry: boolean): Promise<OpenReply | undefined> {
    const open = this.writers.at(path);
    if (open) return this.joinWriter(open, request, path);
    const key = this.tree.fileKey(path);
    // A fresh HEAD on every open pins the version the handle reads (If-Match on each GET).
    const object = await this.store.head(key);
    if (retry && this.tree.changedSince(path, since)) return undefined;
    if (!object) {
      if (this.tree.peek(path)?.kind === 'dir' || (await this.nodes.at(path))?.kind === 'dir') throw FsError.isDirectory();
      throw FsError.notFound();
    }
    const node = this.tree.fromObject(object, 'file');
    this.tree.remember(path, node, since);
    // Replaced by another client since the kernel last saw it: what the kernel caches of it (pages, attributes) goes.
    if (this.versions.give(path, object.etag)) this.invalidate(request.ino);
    // A listing may have shown a symlink object as a file; opening it must not read or overwrite the link itself.
    if (node.kind === 'symlink') throw FsError.loop(`${path} is a symbolic link`);
    if (!writing) {
      return { fh: this.files.add({ ino: request.ino, path, reader: this.readers.open({ key, etag: object.etag, size: object.size }) }) };
    }
    // Another open may have set up a writer while the HEAD was in flight: one writer per path, always. The writer is
    // registered before it stages, so an open meanwhile joins it (and waits for the staging) rather than staging the
    // same version again and uploading it over this writer's changes.
    const raced = this.writers.at(path);
    if (raced) return this.joinWriter(raced, request, path);
    return this.openWriter(request, path, object);
  }

  /** The first open for writing of `object` since its last close: a writer of it, staged for passthrough if it may be. */
  private async openWriter(request: OpenRequest, path: string, object: ObjectInfo): Promise<OpenReply> {
    const key = this.tree.fileKey(path);
    const { metadata } = object;
    const truncating = (request.flags & constants.O_TRUNC) !== 0;
    const writer = truncating
      ? ObjectWriter.empty(this.store, this.options, key, metadata, this.logger)
      : ObjectWriter.existing(this.store, this.options, { key, size: object.size, etag: object.etag }, metadata, this.logger);
    const shared = this.writers.open(path, writer);
    const passthrough = await this.whileHeld(shared, async () => {
      const staged = request.passthrough && !truncating && (await this.stagesForPassthrough(object.size));
      return staged ? writer.shareStaging() : undefined;
    });
    return { fh: this.files.add({ ino: request.ino, path, writer: shared }), passthrough };
  }

  /** Another open of a file that is open for writing shares its writer (and its newest content). */
  private async joinWriter(shared: SharedWriter, request: OpenRequest, path: string): Promise<OpenReply> {
    this.writers.join(shared);
    const passthrough = await this.whileHeld(shared, async () => {
      if (request.flags & constants.O_TRUNC) await shared.writer.truncate(0);
      // Every open of a file served through passthrough names the same staging file (the kernel allows no other).
      return shared.writer.sharesStaging ? shared.writer.shareStaging() : undefined;
    });
    return { fh: this.files.add({ ino: request.ino, path, writer: shared }), passthrough };
  }

  /** Runs `step` of an open that holds `shared`; if it fails, the open lets go of the writer again and fails. */
  private async whileHeld<T>(shared: SharedWriter, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      if (this.writers.leave(shared) && this.writers.letGo(shared)) await shared.writer.discard();
      throw error;
    }
  }

  /**
   * Whether an existing object of `size` bytes opened for writing is staged whole at open, for the kernel to read and
   * write it directly: when it fits the staging cap and the staging file shows every change (see
   * whyStagingMissesChanges; the mount says once when it does not).
   */
  private async stagesForPassthrough(size: number): Promise<boolean> {
    if (size > this.options.stagingMaxBytes) return false;
    this.stagingPassthrough ??= (async () => {
      await mkdir(this.options.stagingDir, { recursive: true, mode: 0o700 });
      const reason = await whyStagingMissesChanges(this.options.stagingDir);
      if (reason) this.logger.log(`Files opened for writing are served through the handlers rather than passthrough: ${reason}.`);
      return reason === undefined;
    })().catch((error: unknown) => {
      this.stagingPassthrough = undefined;
      throw error;
    });
    return this.stagingPassthrough;
  }
}
