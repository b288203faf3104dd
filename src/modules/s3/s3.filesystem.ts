import { Inject, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { constants } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import {
  Create,
  CreateReply,
  DropsCaches,
  DirEntry,
  Entry,
  Fh,
  FileAttr,
  Flush,
  Forget,
  FsError,
  FsStats,
  Fsync,
  KernelCache,
  FuseFilesystem,
  GetAttr,
  Ino,
  Lookup,
  MkDir,
  Open,
  OpenDir,
  OpenReply,
  Read,
  ReadDir,
  ReadLink,
  Release,
  ReleaseDir,
  Rename,
  RequestContext,
  RmDir,
  ROOT_INO,
  SetAttr,
  SetAttrChanges,
  StatFs,
  Symlink,
  Unlink,
  UsesKernelCache,
  Write,
} from '../fuse';
import { BlockCache, PrefetchBudget } from './read/block-cache';
import { BLOCK_SIZE, ObjectReader } from './read/object-reader';
import { ObjectWriter } from './write/object-writer';
import { checkBucket } from './store/s3-bucket.check';
import { decodeMetadata, encodeMetadata, MAX_METADATA_TARGET } from './tree/s3-metadata';
import type { ResolvedS3Options } from './s3-module-options.interface';
import { S3Attributes } from './tree/s3-attributes';
import { OpenWriters, SharedWriter } from './write/open-writers';
import { S3Namespace } from './tree/s3-namespace';
import { childName, joinPath } from './tree/s3-paths';
import type { S3ObjectStore } from './store/s3-object.store';
import { S3_RESOLVED_OPTIONS, S3_STORE } from './s3.constants';
import { S3Listing, S3ListingCursor, S3Node, S3Tree } from './tree/s3-tree';
import { whyStagingMissesChanges } from './write/staging-change-detection';
import { mapWithConcurrency } from './store/with-concurrency';

const ACCESS_MODE = 3;
const READDIR_PAGE = 512;
const COPY_CONCURRENCY = 16;
/** HEADs in flight while a listing's entries are completed. */
const LOOKUP_CONCURRENCY = 32;
/** An open whose name keeps changing under it goes ahead on its last try (and caches nothing of what it saw). */
const OPEN_ATTEMPTS = 3;
/** Versions remembered for noticing a replaced object at open (the oldest are forgotten past this many). */
const REMEMBERED_VERSIONS = 65_536;

interface OpenFile {
  ino: Ino;
  path: string;
  reader?: ObjectReader;
  writer?: SharedWriter;
}

/** What an open asks for: writing, and whether the transport could serve it through a descriptor (passthrough). */
interface OpenHow {
  writing: boolean;
  passthrough: boolean;
}

interface DirListing {
  ino: Ino;
  path: string;
  /** Opened by opendir: its cursor answers lookups until releasedir. */
  open: boolean;
  cursor: S3ListingCursor;
  /** Entries up to here have had what the listing lacks looked up (completeListed). */
  completed: number;
  pendingAdded: boolean;
}

/**
 * A bucket (or a prefix of it) as a read-write filesystem. See docs/SEMANTICS.md, "Consistency model", for what is
 * cached for how long and when changes become visible.
 */
@FuseFilesystem('s3')
export class S3Filesystem implements OnModuleInit, OnApplicationShutdown, UsesKernelCache, DropsCaches {
  private readonly logger = new Logger('S3Filesystem');
  private readonly namespace = new S3Namespace();
  private readonly tree: S3Tree;
  private readonly attributes: S3Attributes;
  private readonly cache: BlockCache;
  private readonly budget: PrefetchBudget;
  private readonly files = new Map<Fh, OpenFile>();
  private readonly listings = new Map<Fh, DirListing>();
  private readonly writers = new OpenWriters();
  /** Uploads in progress, which shutdown waits for. */
  private readonly commits = new Set<Promise<unknown>>();
  private nextFh = 1;
  private kernelCache?: KernelCache;
  /** The version (ETag) of each path the kernel was last given, by open or by an upload through the mount. */
  private readonly givenVersions = new Map<string, string>();
  /** Whether files open for writing may be staged and handed to the kernel (passthrough); settled at the first such open. */
  private stagingPassthrough?: Promise<boolean>;

  constructor(
    @Inject(S3_RESOLVED_OPTIONS) private readonly options: ResolvedS3Options,
    @Inject(S3_STORE) private readonly store: S3ObjectStore,
  ) {
    this.tree = new S3Tree(store, options, this.logger);
    this.attributes = new S3Attributes(options);
    this.cache = new BlockCache(options.cacheBytes, BLOCK_SIZE);
    store.metrics.watch(this.cache);
    this.budget = new PrefetchBudget(options.prefetchTotalBytes);
  }

  /** SIGHUP: what other clients changed shows at the next lookup, stat or listing. */
  dropCaches(): void {
    this.tree.forgetAll();
  }

  useKernelCache(cache: KernelCache): void {
    this.kernelCache = cache;
  }

  async onModuleInit(): Promise<void> {
    await checkBucket(this.store, this.options);
  }

  /**
   * At shutdown — in onApplicationShutdown, after FuseModule unmounted in beforeApplicationShutdown, so the mount never
   * sees a closed client — uploads already under way — a close or fsync waiting for its upload — finish
   * first, within their deadline; files still open for writing are not uploaded half-written: their writers have
   * seen the mount go away, and each is logged.
   */
  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.commits]);
    for (const [path, shared] of this.writers.entries()) {
      await shared.writer.refresh().catch(() => undefined);
      if (shared.writer.hasChanges) {
        this.logger.warn(`${path} was still open for writing when the mount stopped; its unfinished changes were not uploaded`);
      }
      await shared.writer.discard();
    }
    this.writers.clear();
    this.store.destroy();
  }

  // ── names and attributes ───────────────────────────────────────────────────────────────────────────────────

  @Lookup()
  async lookup(parent: Ino, name: string): Promise<Entry> {
    const path = this.namespace.childPath(parent, name);
    const node = await this.nodeAt(path);
    if (!node) throw FsError.notFound();
    const entry = { attr: this.attributes.of(this.namespace.inodeOf(parent, name, node.kind), node) };
    this.releaseOldInodes();
    return entry;
  }

  @GetAttr()
  async getattr(ino: Ino): Promise<FileAttr> {
    if (ino === ROOT_INO) return this.attributes.of(ino, this.tree.syntheticDir());
    // Listings carry no metadata: only a HEAD (cached for the metadata TTL) gives mode, owner and symlink type.
    const path = this.namespace.pathOf(ino);
    const node = await this.nodeAt(path);
    if (!node) throw FsError.notFound();
    return this.attributes.of(ino, node);
  }

  /** The kernel let go of `ino`: what the mount knew of its path goes, so memory follows the kernel's inode cache. */
  @Forget()
  async forget(ino: Ino): Promise<void> {
    this.namespace.forget(ino);
  }

  /**
   * Past `maxInodes`, the kernel is asked to let go of the oldest files' names (their FORGETs drop them): `ls -l` of a
   * directory of millions of keys stays within the daemon's heap.
   */
  private releaseOldInodes(): void {
    const kernelCache = this.kernelCache;
    if (kernelCache) this.namespace.releaseOldest(this.options.maxInodes, (parent, name) => kernelCache.releaseEntry(parent, name));
  }

  @OpenDir()
  async opendir(ino: Ino): Promise<OpenReply> {
    const fh = this.allocateFh();
    this.listings.set(fh, this.listingOf(ino, true));
    return { fh };
  }

  /**
   * Pages through the listing only as far as the offsets asked for; offsets are stable. Entries before the offset asked
   * for are dropped (a reader moves forward); asked for again (a rewind, or seekdir back), the directory is listed anew.
   */
  @ReadDir()
  async readdir(ino: Ino, fh: Fh, offset: number): Promise<DirEntry[]> {
    const open = this.listings.get(fh);
    // A readdir without its opendir (through FileHandle, say) lists the directory for itself.
    const listing = open && open.ino === ino ? open : this.listingOf(ino, false);
    if (offset < listing.cursor.start) this.relist(listing);
    const { cursor } = listing;
    while (cursor.length < offset + READDIR_PAGE && !cursor.done) await cursor.fetchPage();
    if (cursor.done && !listing.pendingAdded) {
      listing.pendingAdded = true;
      // Files created through the mount and not uploaded yet are listed too.
      for (const [pending, shared] of this.writers.entries()) {
        const name = childName(listing.path, pending);
        if (name !== undefined && !cursor.has(name)) cursor.append({ name, node: this.pendingNode(shared.writer) });
      }
    }
    const end = Math.min(cursor.length, offset + READDIR_PAGE);
    if (listing.completed < end) {
      await this.completeListed(listing.path, cursor, Math.max(listing.completed, offset), end);
      listing.completed = Math.max(listing.completed, end);
    }
    await this.refreshShownWriters(listing.path, cursor, offset, end);
    const page: DirEntry[] = [];
    for (let i = offset; i < end; i++) {
      const entry = cursor.at(i);
      if (entry) page.push(this.direntOf(ino, this.withPendingContent(listing.path, entry), i + 1));
    }
    cursor.trimBefore(offset);
    this.releaseOldInodes();
    return page;
  }

  /** Starts `listing` over with a new cursor (the old one stops answering lookups). */
  private relist(listing: DirListing): void {
    if (listing.open) this.tree.closeListing(listing.cursor);
    listing.cursor = listing.open ? this.tree.openListing(listing.path) : this.tree.listing(listing.path);
    listing.completed = 0;
    listing.pendingAdded = false;
  }

  /** A listing of directory `ino`; `open`: one that answers lookups of its names until releasedir (OpenListings). */
  private listingOf(ino: Ino, open: boolean): DirListing {
    const path = ino === ROOT_INO ? '' : this.namespace.pathOf(ino);
    return { ino, path, open, cursor: open ? this.tree.openListing(path) : this.tree.listing(path), completed: 0, pendingAdded: false };
  }

  /**
   * Listed entries whose attributes the listing cannot give (S3Tree.answersAsListed: objects small enough to be
   * symlinks, directories' markers, and with storedPermissionsOnly every name whose metadata this mount has not
   * read) are looked up here, many at once, so
   * `ls -l` and `find` do not pay one HEAD after another through the kernel's lookups (s3fs does the same).
   */
  private async completeListed(dir: string, cursor: S3ListingCursor, from: number, to: number): Promise<void> {
    const incomplete: Array<{ index: number; name: string }> = [];
    for (let index = from; index < to; index++) {
      const entry = cursor.at(index);
      if (entry && !this.tree.answersAsListed(entry.node)) incomplete.push({ index, name: entry.name });
    }
    await mapWithConcurrency(incomplete, LOOKUP_CONCURRENCY, async ({ index, name }) => {
      const node = await this.tree.lookup(joinPath(dir, name)).catch(() => undefined);
      // Gone or failed since it was listed: it stays as listed (no attributes), and its own lookup decides.
      if (node) cursor.replace(index, { name, node });
    });
  }

  @ReleaseDir()
  async releasedir(_ino: Ino, fh: Fh): Promise<void> {
    const listing = this.listings.get(fh);
    this.listings.delete(fh);
    if (listing) this.tree.closeListing(listing.cursor);
  }

  // ── reading ────────────────────────────────────────────────────────────────────────────────────────────────

  @Open()
  async open(ino: Ino, flags: number, context?: RequestContext): Promise<OpenReply> {
    const writing = (flags & ACCESS_MODE) !== constants.O_RDONLY;
    if (writing && this.options.readOnly) throw FsError.readOnly();
    // The kernel opens an inode while another request may be renaming or removing its name (an open holds the inode, a
    // rename its directories): an answer about the old name is not kept, and the open tries the name it has now.
    for (let attempt = 1; ; attempt++) {
      const path = this.namespace.pathOf(ino);
      const since = this.tree.beginObservation();
      try {
        const opened = await this.openPath(ino, path, flags, { writing, passthrough: context?.passthrough === true }, since, attempt < OPEN_ATTEMPTS);
        if (opened) return opened;
      } finally {
        this.tree.endObservation(since);
      }
    }
  }

  /** Opens `path`; with `retry`, undefined when it changed through this mount after `since` (the caller tries again). */
  private async openPath(ino: Ino, path: string, flags: number, how: OpenHow, since: number, retry: boolean): Promise<OpenReply | undefined> {
    const { writing } = how;
    const open = this.writers.at(path);
    if (open) return this.joinWriter(open, ino, path, flags);
    const key = this.tree.fileKey(path);
    // A fresh HEAD on every open pins the version the handle reads (If-Match on each GET).
    const object = await this.store.head(key);
    if (retry && this.tree.changedSince(path, since)) return undefined;
    if (!object) {
      if (this.tree.peek(path)?.kind === 'dir' || (await this.nodeAt(path))?.kind === 'dir') throw FsError.isDirectory();
      throw FsError.notFound();
    }
    const node = this.tree.fromObject(object, 'file');
    this.tree.remember(path, node, since);
    // Replaced by another client since the kernel last saw it: what the kernel caches of it (pages, attributes) goes.
    if (this.givenVersion(path, object.etag)) this.kernelCache?.invalidateInode(ino);
    // A listing may have shown a symlink object as a file; opening it must not read or overwrite the link itself.
    if (node.kind === 'symlink') throw FsError.loop(`${path} is a symbolic link`);
    if (!writing) {
      return { fh: this.keep({ ino, path, reader: this.readerOf(key, object.etag, object.size) }) };
    }
    // Another open may have set up a writer while the HEAD was in flight: one writer per path, always. The writer is
    // registered before it stages, so an open meanwhile joins it (and waits for the staging) rather than staging the
    // same version again and uploading it over this writer's changes.
    const raced = this.writers.at(path);
    if (raced) return this.joinWriter(raced, ino, path, flags);
    const metadata = object.metadata;
    const writer =
      flags & constants.O_TRUNC
        ? ObjectWriter.empty(this.store, this.options, key, metadata, this.logger)
        : ObjectWriter.existing(this.store, this.options, { key, size: object.size, etag: object.etag }, metadata, this.logger);
    const shared = this.writers.open(path, writer);
    const passthrough = await this.whileHeld(shared, async () => {
      const staged = how.passthrough && !(flags & constants.O_TRUNC) && (await this.stagesForPassthrough(object.size));
      return staged ? writer.shareStaging() : undefined;
    });
    return { fh: this.keep({ ino, path, writer: shared }), passthrough };
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

  @Read()
  async read(_ino: Ino, fh: Fh, offset: number, size: number, scratch?: Buffer): Promise<Buffer> {
    const file = this.fileOf(fh);
    // Whoever has the file open for writing through this mount holds its newest content: every reader sees it.
    // A handle's own writer answers even once its file is unlinked: the content lives until the last close.
    const writer = file.writer ?? this.writers.at(file.path);
    if (writer) return writer.writer.read(offset, size);
    if (!file.reader) throw FsError.badHandle();
    return file.reader.read(offset, size, scratch);
  }

  @ReadLink()
  async readlink(ino: Ino): Promise<string> {
    const path = this.namespace.pathOf(ino);
    const node = await this.nodeAt(path);
    if (!node) throw FsError.notFound();
    if (node.kind !== 'symlink') throw FsError.invalid(`${path} is not a symbolic link`);
    // Short targets live in metadata; long ones (and symlinks made by s3fs) in the object's body.
    return node.meta.target ?? (await this.store.getAll(this.tree.fileKey(path))).toString('utf8');
  }

  // ── writing ────────────────────────────────────────────────────────────────────────────────────────────────

  @Create()
  async create(parent: Ino, name: string, mode: number, _flags: number, context?: RequestContext): Promise<CreateReply> {
    this.assertWritable();
    const path = this.namespace.childPath(parent, name);
    if (this.writers.at(path)) throw FsError.exists();
    const writer = ObjectWriter.empty(
      this.store,
      this.options,
      this.tree.fileKey(path),
      this.attributes.forNew('file', mode & 0o7777, context),
      this.logger,
    );
    const shared = this.writers.open(path, writer);
    this.tree.forget(path);
    const ino = this.namespace.inodeOf(parent, name, 'file');
    return { entry: { attr: this.attributes.of(ino, this.pendingNode(writer)) }, fh: this.keep({ ino, path, writer: shared }) };
  }

  @Write()
  async write(_ino: Ino, fh: Fh, offset: number, data: Buffer): Promise<number> {
    const writer = this.writerOf(fh);
    return writer.write(offset, data);
  }

  @Flush()
  async flush(_ino: Ino, fh: Fh): Promise<void> {
    const file = this.files.get(fh);
    if (file?.writer) await this.commit(file.writer);
  }

  @Fsync()
  async fsync(_ino: Ino, fh: Fh): Promise<void> {
    const file = this.files.get(fh);
    if (file?.writer) await this.commit(file.writer);
  }

  @Release()
  async release(_ino: Ino, fh: Fh): Promise<void> {
    const file = this.files.get(fh);
    this.files.delete(fh);
    const shared = file?.writer;
    if (!file || !shared) return;
    if (!this.writers.leave(shared)) return;
    try {
      // Normally flush already uploaded; this catches writers whose last flush failed or was skipped.
      await this.commit(shared);
    } finally {
      if (this.writers.letGo(shared)) await shared.writer.discard();
    }
  }

  @SetAttr()
  async setattr(ino: Ino, changes: SetAttrChanges, fh?: Fh): Promise<FileAttr> {
    if (ino === ROOT_INO) {
      if (changes.size !== undefined) throw FsError.isDirectory();
      return this.attributes.of(ino, this.tree.syntheticDir());
    }
    this.assertWritable();
    const metaChange = changes.mode !== undefined || changes.uid !== undefined || changes.gid !== undefined || changes.mtime !== undefined;
    // ftruncate/fchmod through a handle change what that handle holds — even once its file is unlinked, when no name
    // leads to it and the name's new file must stay as it is.
    const shared = (fh !== undefined ? this.files.get(fh)?.writer : undefined) ?? this.writers.at(this.namespace.pathOf(ino));
    if (shared) {
      await shared.writer.refresh();
      if (changes.size !== undefined) await shared.writer.truncate(changes.size);
      if (metaChange) shared.writer.changeMetadata(this.attributes.merged('file', shared.writer.metadata, changes));
      if (metaChange && !shared.writer.hasChanges && !shared.unlinked) await this.rewriteMetadata(shared.path, 'file', changes);
      return this.attributes.of(ino, this.pendingNode(shared.writer));
    }
    const path = this.namespace.pathOf(ino);
    const node = await this.freshNode(path);
    if (changes.size !== undefined) {
      if (node.kind !== 'file') throw node.kind === 'dir' ? FsError.isDirectory() : FsError.invalid();
      await this.truncateObject(path, node, changes.size);
    }
    if (metaChange) await this.rewriteMetadata(path, node.kind, changes);
    this.tree.forget(path);
    return this.attributes.of(ino, await this.freshNode(path));
  }

  // ── directory changes ──────────────────────────────────────────────────────────────────────────────────────

  @MkDir()
  async mkdir(parent: Ino, name: string, mode: number, context?: RequestContext): Promise<Entry> {
    this.assertWritable();
    const path = this.namespace.childPath(parent, name);
    const checkedAt = Date.now();
    if (await this.nodeAt(path)) throw FsError.exists();
    await this.store.put(this.tree.dirPrefix(path), Buffer.alloc(0), this.attributes.forNew('dir', mode & 0o7777, context), 0);
    this.tree.forget(path);
    this.tree.recordEmptyDirectory(path, checkedAt);
    const node = (await this.tree.lookup(path)) ?? this.tree.syntheticDir();
    return { attr: this.attributes.of(this.namespace.inodeOf(parent, name, 'dir'), node) };
  }

  @Symlink()
  async symlink(parent: Ino, name: string, target: string, context?: RequestContext): Promise<Entry> {
    this.assertWritable();
    if (!this.options.symlinks) throw FsError.notPermitted('this mount has no symbolic links: mount with --symlinks to store them as s3fs does');
    const path = this.namespace.childPath(parent, name);
    if (await this.nodeAt(path)) throw FsError.exists();
    // The target is the object's body, as s3fs stores it (s3fs reads it there); a short one is in metadata too, so a
    // HEAD alone knows it.
    const inMetadata = encodeURIComponent(target).length <= MAX_METADATA_TARGET;
    const body = Buffer.from(target, 'utf8');
    const metadata = { ...this.attributes.forNew('symlink', 0o777, context), ...(inMetadata ? encodeMetadata('symlink', { target }) : {}) };
    await this.store.put(this.tree.fileKey(path), body, metadata, body.length);
    this.tree.forget(path);
    const node = await this.freshNode(path);
    return { attr: this.attributes.of(this.namespace.inodeOf(parent, name, 'symlink'), node) };
  }

  @Unlink()
  async unlink(parent: Ino, name: string): Promise<void> {
    this.assertWritable();
    const path = this.namespace.childPath(parent, name);
    const node = await this.nodeAt(path);
    if (!node) throw FsError.notFound();
    if (node.kind === 'dir') throw FsError.isDirectory();
    this.writers.detach(path);
    // Idempotent in S3: also right for a file created through the mount and never uploaded.
    await this.store.delete(this.tree.fileKey(path));
    this.forgetPath(path);
    this.namespace.removed(parent, name);
  }

  @RmDir()
  async rmdir(parent: Ino, name: string): Promise<void> {
    this.assertWritable();
    const path = this.namespace.childPath(parent, name);
    const node = await this.nodeAt(path);
    if (!node) throw FsError.notFound();
    if (node.kind !== 'dir') throw FsError.notDirectory();
    const prefix = this.tree.dirPrefix(path);
    const page = await this.store.listRecursive(prefix, undefined, 2);
    if (this.writers.anyBelow(path) !== undefined || page.objects.some((object) => object.key !== prefix)) throw FsError.notEmpty();
    if (page.objects.some((object) => object.key === prefix)) await this.store.delete(prefix);
    this.tree.forgetTree(path);
    this.namespace.removed(parent, name);
  }

  @Rename()
  async rename(parent: Ino, name: string, newParent: Ino, newName: string): Promise<void> {
    this.assertWritable();
    const from = this.namespace.childPath(parent, name);
    const to = this.namespace.childPath(newParent, newName);
    const source = await this.nodeAt(from);
    if (!source) throw FsError.notFound();
    // A rename onto its own name changes nothing (POSIX); copying then deleting would delete the file.
    if (from === to) return;
    const target = await this.nodeAt(to);
    if (source.kind === 'dir') {
      if (target && target.kind !== 'dir') throw FsError.notDirectory();
      if (target && (await this.store.listRecursive(this.tree.dirPrefix(to), undefined, 2)).objects.some((o) => o.key !== this.tree.dirPrefix(to))) {
        throw FsError.notEmpty();
      }
      await this.renameDirectory(from, to);
    } else {
      if (target?.kind === 'dir') throw FsError.isDirectory();
      await this.renameFile(from, to, source);
    }
    this.tree.forgetTree(from);
    this.tree.forgetTree(to);
    this.namespace.renamed(parent, name, newParent, newName);
  }

  @StatFs()
  async statfs(): Promise<FsStats> {
    // A bucket has no size limit: report a petabyte, free, so tools that check free space go ahead.
    const blocks = 2 ** 50 / 4096;
    return { bsize: 4096, blocks, bfree: blocks, bavail: blocks, files: 2 ** 32 - 1, ffree: 2 ** 32 - 1, namelen: 255 };
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────────────────────

  /** What is at `path` now: an open writer's pending content, or the bucket's answer (cached). */
  private async nodeAt(path: string): Promise<S3Node | undefined> {
    const shared = this.writers.at(path);
    if (!shared) return this.tree.lookup(path);
    await shared.writer.refresh();
    return this.pendingNode(shared.writer);
  }

  private async freshNode(path: string): Promise<S3Node> {
    this.tree.forget(path);
    const node = await this.tree.lookup(path);
    if (!node) throw FsError.notFound();
    return node;
  }

  private pendingNode(writer: ObjectWriter): S3Node {
    const meta = decodeMetadata(writer.metadata);
    return { kind: 'file', size: writer.size, mtime: meta.mtime ?? new Date(), etag: '', meta, complete: true };
  }

  private async commit(shared: SharedWriter): Promise<void> {
    if (shared.unlinked) return;
    const commit = shared.writer.commit();
    this.commits.add(commit);
    const result = await commit.finally(() => this.commits.delete(commit));
    if (!result) return;
    const path = shared.path;
    this.tree.learnMetadata(shared.writer.key, result.etag, shared.writer.metadata);
    this.givenVersion(path, result.etag);
    this.cache.evictObject(shared.writer.key);
    // A version written through this mount is not a change behind a reader's back: its readers follow it.
    for (const file of this.files.values()) {
      if (file.path === path && file.reader) file.reader = this.readerOf(shared.writer.key, result.etag, result.size);
    }
    this.tree.forget(path);
  }

  /** Another open of a file that is open for writing shares its writer (and its newest content). */
  private async joinWriter(shared: SharedWriter, ino: Ino, path: string, flags: number): Promise<OpenReply> {
    this.writers.join(shared);
    const passthrough = await this.whileHeld(shared, async () => {
      if (flags & constants.O_TRUNC) await shared.writer.truncate(0);
      // Every open of a file served through passthrough names the same staging file (the kernel allows no other).
      return shared.writer.sharesStaging ? shared.writer.shareStaging() : undefined;
    });
    return { fh: this.keep({ ino, path, writer: shared }), passthrough };
  }

  private readerOf(key: string, etag: string, size: number): ObjectReader {
    return new ObjectReader(this.store, this.cache, this.budget, { key, etag, size }, this.options.prefetchWindowBytes, this.logger);
  }

  private async truncateObject(path: string, node: S3Node, size: number): Promise<void> {
    const key = this.tree.fileKey(path);
    const object = await this.store.head(key);
    if (!object) throw FsError.notFound();
    const writer =
      size === 0
        ? ObjectWriter.empty(this.store, this.options, key, object.metadata, this.logger)
        : ObjectWriter.existing(this.store, this.options, { key, size: node.size, etag: object.etag }, object.metadata, this.logger);
    try {
      await writer.truncate(size);
      await writer.commit();
    } finally {
      await writer.discard();
    }
    this.cache.evictObject(key);
  }

  /** mode/uid/gid/mtime live in object metadata: a copy of the object onto itself with the new metadata. */
  private async rewriteMetadata(path: string, kind: S3Node['kind'], changes: SetAttrChanges): Promise<void> {
    const key = kind === 'dir' ? this.tree.dirPrefix(path) : this.tree.fileKey(path);
    const object = await this.store.head(key);
    const metadata = this.attributes.merged(kind, object?.metadata ?? {}, changes);
    if (!object) {
      if (kind !== 'dir') throw FsError.notFound();
      // A directory that exists only as a prefix gets a marker to carry its metadata.
      await this.store.put(key, Buffer.alloc(0), metadata, 0);
    } else {
      await this.store.copy(key, key, metadata, object.size);
    }
    this.tree.forget(path);
  }

  private async renameFile(from: string, to: string, source: S3Node): Promise<void> {
    // The file renamed over is gone from its name, as after an unlink: a handle still open on it (a reader's, say)
    // must never upload its content onto the name it no longer has.
    this.writers.detach(to);
    const shared = this.writers.at(from);
    if (shared) {
      await this.commit(shared);
      this.writers.move(from, to, this.tree.fileKey(to));
    }
    await this.store.copy(this.tree.fileKey(from), this.tree.fileKey(to), undefined, source.size);
    await this.store.delete(this.tree.fileKey(from));
    this.tree.movedKeys(this.tree.fileKey(from), this.tree.fileKey(to), true);
    this.cache.evictObject(this.tree.fileKey(from));
    this.cache.evictObject(this.tree.fileKey(to));
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
    const keys = objects.map((object) => object.key);
    const contents = objects.filter((object) => object.key !== fromPrefix);
    await mapWithConcurrency(contents, COPY_CONCURRENCY, (object) =>
      this.store.copy(object.key, toPrefix + object.key.slice(fromPrefix.length), undefined, object.size),
    );
    if (keys.includes(fromPrefix)) await this.store.copy(fromPrefix, toPrefix);
    else await this.store.put(toPrefix, Buffer.alloc(0), {}, 0);
    await mapWithConcurrency(contents, COPY_CONCURRENCY, (object) => this.store.delete(object.key));
    if (keys.includes(fromPrefix)) await this.store.delete(fromPrefix);
    this.tree.movedKeys(fromPrefix, toPrefix, false);
  }

  /** Records `etag` as the version of `path` the kernel has; true when it had another one before. */
  private givenVersion(path: string, etag: string): boolean {
    const before = this.givenVersions.get(path);
    this.givenVersions.delete(path);
    this.givenVersions.set(path, etag);
    if (this.givenVersions.size > REMEMBERED_VERSIONS) this.givenVersions.delete(this.givenVersions.keys().next().value as string);
    return before !== undefined && before !== etag;
  }

  private forgetPath(path: string): void {
    this.givenVersions.delete(path);
    this.tree.forget(path);
    this.cache.evictObject(this.tree.fileKey(path));
  }

  /**
   * A listed file that is open for writing through this mount is shown as its writer holds it: the bucket still has
   * the old version, and an old size answered while the file is being written makes the kernel cut later reads short.
   */
  /** Files of the page written through passthrough are listed with the size their staging file has now. */
  private async refreshShownWriters(dir: string, cursor: S3ListingCursor, from: number, to: number): Promise<void> {
    if (this.writers.size === 0) return;
    const shown = new Set<SharedWriter>();
    for (let i = from; i < to; i++) {
      const entry = cursor.at(i);
      const shared = entry && this.writers.at(joinPath(dir, entry.name));
      if (shared) shown.add(shared);
    }
    await Promise.all([...shown].map((shared) => shared.writer.refresh()));
  }

  private withPendingContent(dir: string, entry: S3Listing): S3Listing {
    const shared = this.writers.at(joinPath(dir, entry.name));
    return shared ? { name: entry.name, node: this.pendingNode(shared.writer) } : entry;
  }

  private direntOf(parent: Ino, entry: S3Listing, offset: number): DirEntry {
    const ino = this.namespace.inodeOf(parent, entry.name, entry.node.kind);
    // Neither type nor attributes for an entry that may be a symlink: the caller looks it up (one HEAD).
    if (entry.node.typeUnknown) return { ino, name: entry.name, offset };
    // Nor attributes that would show a listing's defaults where the object stores its own mode and owner (with
    // --metadata-ttl 0 no listing answers for an object's metadata: every stat asks).
    if (!this.tree.trusted(entry.node) || (this.options.metadataTtlMs <= 0 && !entry.node.complete))
      return { ino, name: entry.name, kind: entry.node.kind, offset };
    return { ino, name: entry.name, kind: entry.node.kind, offset, attr: this.attributes.of(ino, entry.node) };
  }

  private assertWritable(): void {
    if (this.options.readOnly) throw FsError.readOnly();
  }

  private keep(file: OpenFile): Fh {
    const fh = this.allocateFh();
    this.files.set(fh, file);
    return fh;
  }

  private allocateFh(): Fh {
    return this.nextFh++;
  }

  private fileOf(fh: Fh): OpenFile {
    const file = this.files.get(fh);
    if (!file) throw FsError.badHandle();
    return file;
  }

  private writerOf(fh: Fh): ObjectWriter {
    const writer = this.fileOf(fh).writer;
    if (!writer) throw FsError.badHandle('the file is not open for writing');
    return writer.writer;
  }
}
