import { Inject, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
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
import { CurrentNodes } from './current-nodes';
import { DirectoryPages } from './handles/directory-pages';
import { FileOpens } from './handles/file-opens';
import { GivenVersions } from './handles/given-versions';
import { OpenFiles } from './handles/open-files';
import { ObjectReaders } from './read/object-readers';
import { checkBucket } from './store/s3-bucket.check';
import type { S3ObjectStore } from './store/s3-object.store';
import type { ResolvedS3Options } from './s3-module-options.interface';
import { S3_RESOLVED_OPTIONS, S3_STORE } from './s3.constants';
import { S3Attributes } from './tree/s3-attributes';
import { encodeMetadata, MAX_METADATA_TARGET } from './tree/s3-metadata';
import { S3Namespace } from './tree/s3-namespace';
import { S3Tree } from './tree/s3-tree';
import { Commits } from './write/commits';
import { ObjectRewrites } from './write/object-rewrites';
import { OpenWriters } from './write/open-writers';
import { pendingNode } from './write/pending-node';
import { Renames } from './write/renames';

/**
 * A bucket (or a prefix of it) as a read-write filesystem: the backend's op table. See docs/SEMANTICS.md, "Consistency
 * model", for what is cached for how long and when changes become visible.
 */
@FuseFilesystem('s3')
export class S3Filesystem implements OnModuleInit, OnApplicationShutdown, UsesKernelCache, DropsCaches {
  private readonly logger = new Logger('S3Filesystem');
  private readonly namespace = new S3Namespace();
  private readonly tree: S3Tree;
  private readonly attributes: S3Attributes;
  private readonly writers = new OpenWriters();
  private readonly files = new OpenFiles();
  private readonly versions = new GivenVersions();
  private readonly nodes: CurrentNodes;
  private readonly readers: ObjectReaders;
  private readonly commits: Commits;
  private readonly opens: FileOpens;
  private readonly directories: DirectoryPages;
  private readonly rewrites: ObjectRewrites;
  private readonly renames: Renames;
  private kernelCache?: KernelCache;

  constructor(
    @Inject(S3_RESOLVED_OPTIONS) private readonly options: ResolvedS3Options,
    @Inject(S3_STORE) private readonly store: S3ObjectStore,
  ) {
    const { namespace, writers, files, versions, logger } = this;
    const tree = (this.tree = new S3Tree(store, options, logger));
    const attributes = (this.attributes = new S3Attributes(options));
    const nodes = (this.nodes = new CurrentNodes(tree, writers));
    const readers = (this.readers = new ObjectReaders(store, options, logger));
    const commits = (this.commits = new Commits(tree, readers, versions, files));
    const invalidate = (ino: Ino): void => this.kernelCache?.invalidateInode(ino);
    this.opens = new FileOpens(options, store, tree, nodes, files, writers, commits, readers, versions, invalidate, logger);
    this.directories = new DirectoryPages(options, tree, namespace, attributes, writers);
    this.rewrites = new ObjectRewrites(store, options, tree, attributes, readers, logger);
    this.renames = new Renames(store, tree, nodes, writers, commits, readers);
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
   * sees a closed client — uploads already under way (a close or fsync waiting for its upload) finish first, within
   * their deadline; files still open for writing are not uploaded half-written: their writers have seen the mount go
   * away, and each is logged.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.commits.settled();
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
    const node = await this.nodes.at(path);
    if (!node) throw FsError.notFound();
    const entry = { attr: this.attributes.of(this.namespace.inodeOf(parent, name, node.kind), node) };
    this.releaseOldInodes();
    return entry;
  }

  @GetAttr()
  async getattr(ino: Ino): Promise<FileAttr> {
    if (ino === ROOT_INO) return this.attributes.of(ino, this.tree.syntheticDir());
    // Listings carry no metadata: only a HEAD (cached for the metadata TTL) gives mode, owner and symlink type.
    const node = await this.nodes.at(this.namespace.pathOf(ino));
    if (!node) throw FsError.notFound();
    return this.attributes.of(ino, node);
  }

  /** The kernel let go of `ino`: what the mount knew of its path goes, so memory follows the kernel's inode cache. */
  @Forget()
  async forget(ino: Ino): Promise<void> {
    this.namespace.forget(ino);
  }

  @OpenDir()
  async opendir(ino: Ino): Promise<OpenReply> {
    return { fh: this.directories.open(ino) };
  }

  @ReadDir()
  async readdir(ino: Ino, fh: Fh, offset: number): Promise<DirEntry[]> {
    const page = await this.directories.page(ino, fh, offset);
    this.releaseOldInodes();
    return page;
  }

  @ReleaseDir()
  async releasedir(_ino: Ino, fh: Fh): Promise<void> {
    this.directories.close(fh);
  }

  // ── reading ────────────────────────────────────────────────────────────────────────────────────────────────

  @Open()
  async open(ino: Ino, flags: number, context?: RequestContext): Promise<OpenReply> {
    return this.opens.open({ ino, flags, passthrough: context?.passthrough === true }, (of) => this.namespace.pathOf(of));
  }

  @Read()
  async read(_ino: Ino, fh: Fh, offset: number, size: number, scratch?: Buffer): Promise<Buffer> {
    const file = this.files.fileOf(fh);
    // Whoever has the file open for writing through this mount holds its newest content: every reader sees it.
    // A handle's own writer answers even once its file is unlinked: the content lives until the last close.
    const shared = file.writer ?? this.writers.at(file.path);
    if (shared) return shared.writer.read(offset, size);
    if (!file.reader) throw FsError.badHandle();
    return file.reader.read(offset, size, scratch);
  }

  @ReadLink()
  async readlink(ino: Ino): Promise<string> {
    const path = this.namespace.pathOf(ino);
    const node = await this.nodes.at(path);
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
    const ino = this.namespace.inodeOf(parent, name, 'file');
    const { fh, writer } = this.opens.create(ino, path, this.attributes.forNew('file', mode & 0o7777, context));
    return { entry: { attr: this.attributes.of(ino, pendingNode(writer)) }, fh };
  }

  @Write()
  async write(_ino: Ino, fh: Fh, offset: number, data: Buffer): Promise<number> {
    return this.files.writerOf(fh).write(offset, data);
  }

  @Flush()
  async flush(_ino: Ino, fh: Fh): Promise<void> {
    const shared = this.files.get(fh)?.writer;
    if (shared) await this.commits.commit(shared);
  }

  @Fsync()
  async fsync(_ino: Ino, fh: Fh): Promise<void> {
    const shared = this.files.get(fh)?.writer;
    if (shared) await this.commits.commit(shared);
  }

  @Release()
  async release(_ino: Ino, fh: Fh): Promise<void> {
    await this.opens.release(fh);
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
      if (metaChange && !shared.writer.hasChanges && !shared.unlinked) await this.rewrites.changeMetadata(shared.path, 'file', changes);
      return this.attributes.of(ino, pendingNode(shared.writer));
    }
    const path = this.namespace.pathOf(ino);
    const node = await this.nodes.fresh(path);
    if (changes.size !== undefined) {
      if (node.kind !== 'file') throw node.kind === 'dir' ? FsError.isDirectory() : FsError.invalid();
      await this.rewrites.truncate(path, node, changes.size);
    }
    if (metaChange) await this.rewrites.changeMetadata(path, node.kind, changes);
    this.tree.forget(path);
    return this.attributes.of(ino, await this.nodes.fresh(path));
  }

  // ── directory changes ──────────────────────────────────────────────────────────────────────────────────────

  @MkDir()
  async mkdir(parent: Ino, name: string, mode: number, context?: RequestContext): Promise<Entry> {
    this.assertWritable();
    const path = this.namespace.childPath(parent, name);
    const checkedAt = Date.now();
    if (await this.nodes.at(path)) throw FsError.exists();
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
    if (await this.nodes.at(path)) throw FsError.exists();
    // The target is the object's body, as s3fs stores it (s3fs reads it there); a short one is in metadata too, so a
    // HEAD alone knows it.
    const inMetadata = encodeURIComponent(target).length <= MAX_METADATA_TARGET;
    const body = Buffer.from(target, 'utf8');
    const metadata = { ...this.attributes.forNew('symlink', 0o777, context), ...(inMetadata ? encodeMetadata('symlink', { target }) : {}) };
    await this.store.put(this.tree.fileKey(path), body, metadata, body.length);
    this.tree.forget(path);
    const node = await this.nodes.fresh(path);
    return { attr: this.attributes.of(this.namespace.inodeOf(parent, name, 'symlink'), node) };
  }

  @Unlink()
  async unlink(parent: Ino, name: string): Promise<void> {
    this.assertWritable();
    const path = this.namespace.childPath(parent, name);
    const node = await this.nodes.at(path);
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
    const node = await this.nodes.at(path);
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
    await this.renames.rename(this.namespace.childPath(parent, name), this.namespace.childPath(newParent, newName));
    this.namespace.renamed(parent, name, newParent, newName);
  }

  @StatFs()
  async statfs(): Promise<FsStats> {
    // A bucket has no size limit: report a petabyte, free, so tools that check free space go ahead.
    const blocks = 2 ** 50 / 4096;
    return { bsize: 4096, blocks, bfree: blocks, bavail: blocks, files: 2 ** 32 - 1, ffree: 2 ** 32 - 1, namelen: 255 };
  }

  // ── internals ──────────────────────────────────────────────────────────────────────────────────────────────

  /** `path` is gone: what the mount remembers of it (metadata, the version the kernel has, cached blocks) goes too. */
  private forgetPath(path: string): void {
    this.versions.forget(path);
    this.tree.forget(path);
    this.readers.evict(this.tree.fileKey(path));
  }

  /**
   * Past `maxInodes`, the kernel is asked to let go of the oldest files' names (their FORGETs drop them): `ls -l` of a
   * directory of millions of keys stays within the daemon's heap.
   */
  private releaseOldInodes(): void {
    const kernelCache = this.kernelCache;
    if (kernelCache) this.namespace.releaseOldest(this.options.maxInodes, (parent, name) => kernelCache.releaseEntry(parent, name));
  }

  private assertWritable(): void {
    if (this.options.readOnly) throw FsError.readOnly();
  }
}
