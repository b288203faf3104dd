import { Logger } from '@nestjs/common';
import { FileKind, nameProblem } from '../../fuse';
import { ObservationEpochs } from '../../fuse/observation-epochs';
import { KnownListings } from './known-listings';
import { ListedName, ListedNames, ListedNamesBudget } from './listed-names';
import { AnsweringListing, OpenListings } from './open-listings';
import { decodeMetadata, MAX_SYMLINK_BYTES, PosixMetadata } from './s3-metadata';
import type { ResolvedS3Options } from '../s3-module-options.interface';
import type { ListedObject, ObjectInfo, S3ObjectStore } from '../store/s3-object.store';
import { joinPath, splitPath } from './s3-paths';

/** What the mount knows about one path of the bucket. */
export interface S3Node {
  kind: FileKind;
  size: number;
  mtime: Date;
  etag: string;
  meta: PosixMetadata;
  /** False when it comes from a listing, which carries no object metadata (mode, owner, symlink type). */
  complete: boolean;
  /**
   * A listed object small enough to be a symlink (whose target is its body, as s3fs stores it): its type is not known
   * until a HEAD.
   */
  typeUnknown?: boolean;
}

export interface S3Listing {
  name: string;
  node: S3Node;
}

const MAX_KNOWN_METADATA = 100_000;
/** The metadata of a node that has none: one object for all of them (a listing makes hundreds of thousands). */
const NO_METADATA: PosixMetadata = Object.freeze({});
/** Paths whose answers (from HEADs and listings) the metadata cache holds at most; the oldest go first. */
const MAX_CACHED_PATHS = 200_000;

interface Cached {
  node: S3Node | undefined;
  expiresAt: number;
}

/**
 * The bucket as a tree of paths. Keys map to paths with `/` as the delimiter; a directory is a common prefix or a
 * `dir/` marker object. When a key `a` and keys below `a/` both exist, the directory wins, deterministically, and the
 * shadowed object is logged once. Keys that cannot be names (empty segments, `.`, `..`, over 255 bytes) are skipped
 * and logged once. Answers are cached for the metadata TTL, misses for the negative TTL.
 */
export class S3Tree {
  private readonly cache = new Map<string, Cached>();
  private readonly warned = new Set<string>();
  /**
   * Metadata seen in HEADs of objects that carry some (mode, owner, time, symlink), by key and ETag. Listings have no
   * metadata; with this, an object whose metadata this mount has seen keeps it in `ls -l` for as long as its ETag
   * stays the same (a change by another client changes the ETag).
   */
  private readonly knownMetadata = new Map<string, { etag: string; meta: PosixMetadata }>();
  /** Directories that exist only as prefixes have no timestamp of their own: they show the mount's start. */
  private readonly mountedAt = new Date();
  private readonly knownListings: KnownListings;
  /** A HEAD or a listing page that overlapped a change through this mount is not remembered for the changed paths. */
  private readonly epochs = new ObservationEpochs<string>();
  private readonly openListings = new OpenListings();
  /** The names this mount's open listings keep to answer lookups, all together. */
  private readonly openListingNames = new ListedNamesBudget(MAX_LISTED_NAMES);

  constructor(
    private readonly store: S3ObjectStore,
    private readonly options: ResolvedS3Options,
    private readonly logger: Logger,
  ) {
    this.knownListings = new KnownListings(options.negativeTtlMs);
  }

  /** The key of a file path (relative to the mount's prefix). */
  fileKey(path: string): string {
    return `${this.options.prefix}${path}`;
  }

  /** The key prefix of a directory path: everything in it starts with this. */
  dirPrefix(path: string): string {
    return path === '' ? this.options.prefix : `${this.options.prefix}${path}/`;
  }

  /**
   * Served from the cache while it is fresh — including files known only from a listing, so `ls -l` of a large
   * directory costs its listing and no request per file (their mode and owner are the defaults until a HEAD, such as
   * the one every open makes, brings their metadata). Empty objects may be symlinks: those are looked up. Otherwise one
   * round trip: a HEAD of the object and a one-key LIST below it, in parallel.
   */
  async lookup(path: string): Promise<S3Node | undefined> {
    const cached = this.cache.get(path);
    if (cached && cached.expiresAt > Date.now()) {
      if (this.answersAsListed(cached.node)) return cached.node;
      // Listed, so known to exist as this kind: one HEAD brings what the listing lacked.
      if (cached.node) {
        const completed = await this.completeListed(path, cached.node);
        if (completed) return completed;
      }
    }
    const listed = this.openListings.answer(path);
    if (listed && this.options.metadataTtlMs > 0 && this.answersAsListed(listed)) return listed;
    const { dir, name } = splitPath(path);
    if (path !== '' && this.knownListings.knownMissing(dir, name)) return undefined;
    const prefix = this.dirPrefix(path);
    const since = this.epochs.begin();
    try {
      const [object, firstKeyBelow] = await Promise.all([this.store.head(this.fileKey(path)), this.store.firstKeyBelow(prefix)]);
      // Only a directory with a marker object needs a second request, for the marker's metadata.
      const marker = firstKeyBelow === prefix ? await this.store.head(prefix) : undefined;
      let node: S3Node | undefined;
      if (firstKeyBelow !== undefined) {
        if (object) this.warnOnce(path, `S3 key "${this.fileKey(path)}" is hidden by the directory "${this.dirPrefix(path)}" of the same name`);
        node = marker ? this.fromObject(marker, 'dir') : this.syntheticDir();
      } else if (object) {
        node = this.fromObject(object, 'file');
      }
      this.remember(path, node, since);
      return node;
    } finally {
      this.epochs.end(since);
    }
  }

  /**
   * The metadata a listing lacks for a name it listed (its mode, owner, time, or whether an empty object is a symlink):
   * a HEAD of the object, or of a directory's marker. No LIST: the listing already settled what kind the name is.
   * Undefined when the object changed or went away since it was listed; the full lookup then decides.
   */
  private async completeListed(path: string, listed: S3Node): Promise<S3Node | undefined> {
    const since = this.epochs.begin();
    try {
      let node: S3Node | undefined;
      if (listed.kind === 'dir') {
        const marker = await this.store.head(this.dirPrefix(path));
        node = marker ? this.fromObject(marker, 'dir') : this.syntheticDir();
      } else {
        const object = await this.store.head(this.fileKey(path));
        if (!object || object.etag !== listed.etag) return undefined;
        node = this.fromObject(object, 'file');
      }
      this.remember(path, node, since);
      return node;
    } finally {
      this.epochs.end(since);
    }
  }

  /** Starts an observation of the bucket (a listing page); see {@link ObservationEpochs}. */
  beginObservation(): number {
    return this.epochs.begin();
  }

  endObservation(since: number): void {
    this.epochs.end(since);
  }

  /** `dir` was just made, empty, through this mount (as of the lookup that found no name there, at `checkedAt`). */
  recordEmptyDirectory(dir: string, checkedAt: number): void {
    this.knownListings.record(dir, [], checkedAt);
  }

  /** A cursor over a directory's entries, one ListObjectsV2 page at a time. */
  listing(path: string): S3ListingCursor {
    return new S3ListingCursor(this, this.store, path, this.dirPrefix(path), new ListedNamesBudget(MAX_LISTED_NAMES));
  }

  /**
   * A cursor for a directory opened for reading: until {@link closeListing}, what it returned answers lookups of
   * those names, past the metadata TTL (see OpenListings).
   */
  openListing(path: string): S3ListingCursor {
    const cursor = new S3ListingCursor(this, this.store, path, this.dirPrefix(path), this.openListingNames);
    this.openListings.open(cursor);
    return cursor;
  }

  closeListing(cursor: S3ListingCursor): void {
    this.openListings.close(cursor);
    cursor.releaseNames();
  }

  /** How many names the open listings hold to answer lookups (at most MAX_LISTED_NAMES, all listings together). */
  get openListingNamesHeld(): number {
    return this.openListingNames.inUse;
  }

  /** Every entry of a directory (all pages). */
  async list(path: string): Promise<readonly S3Listing[]> {
    const cursor = this.listing(path);
    while (!cursor.done) await cursor.fetchPage();
    return cursor.entries;
  }

  /**
   * Called by a cursor for every entry it emits, with the epoch its page was requested at: a listed file carries no
   * metadata, so it is remembered incomplete.
   */
  listed(path: string, entry: S3Listing, since: number): void {
    const childPath = joinPath(path, entry.name);
    if (!this.cache.get(childPath)?.node?.complete) this.remember(childPath, entry.node, since);
  }

  /** A listed file's node. */
  listedFile(object: { key: string; size: number; mtime: Date; etag: string }): S3Node {
    const known = this.knownMetadata.get(object.key);
    if (known && known.etag === object.etag) {
      const kind = known.meta.kind === 'symlink' && this.options.symlinks ? 'symlink' : 'file';
      const size = kind === 'symlink' && known.meta.target !== undefined ? Buffer.byteLength(known.meta.target) : object.size;
      return { kind, size, mtime: known.meta.mtime ?? versionTime(object.mtime, object.etag), etag: object.etag, meta: known.meta, complete: true };
    }
    const node: S3Node = {
      kind: 'file',
      size: object.size,
      mtime: versionTime(object.mtime, object.etag),
      etag: object.etag,
      meta: NO_METADATA,
      complete: false,
    };
    if (this.options.symlinks && object.size <= MAX_SYMLINK_BYTES) node.typeUnknown = true;
    return node;
  }

  /** The entry name of a key below `prefix`, or undefined (and a log line, once) when it cannot be a name. */
  entryName(prefix: string, key: string): string | undefined {
    const rest = key.slice(prefix.length);
    return this.nameOf(rest.endsWith('/') ? rest.slice(0, -1) : rest, key);
  }

  shadowed(key: string, dir: string): void {
    this.warnOnce(key, `S3 key "${key}" is hidden by the directory "${dir}" of the same name`);
  }

  /** A listed node, if the cache still has one (complete or not). */
  peek(path: string): S3Node | undefined {
    const cached = this.cache.get(path);
    return cached && cached.expiresAt > Date.now() ? cached.node : undefined;
  }

  /** `since`: the epoch of the observation `node` came from; nothing is remembered if the path changed after it. */
  remember(path: string, node: S3Node | undefined, since?: number): void {
    const ttl = node ? this.options.metadataTtlMs : this.options.negativeTtlMs;
    if (ttl <= 0) {
      this.cache.delete(path);
      return;
    }
    if (since !== undefined && this.changedSince(path, since)) return;
    // Re-inserted, so the oldest answers are the first in the map's order: those go first when it is full.
    this.cache.delete(path);
    this.cache.set(path, { node, expiresAt: Date.now() + ttl });
    if (this.cache.size > MAX_CACHED_PATHS) this.shrink();
  }

  /** Remembers the metadata of one version of an object (from a HEAD, or from our own upload) if it has any. */
  learnMetadata(key: string, etag: string, metadata: Record<string, string>): void {
    const meta = decodeMetadata(metadata);
    if (!Object.values(meta).some((value) => value !== undefined)) {
      this.knownMetadata.delete(key);
      return;
    }
    if (this.knownMetadata.size >= MAX_KNOWN_METADATA) this.knownMetadata.delete(this.knownMetadata.keys().next().value as string);
    this.knownMetadata.set(key, { etag, meta });
  }

  /** Keys were copied from `fromPrefix…` to `toPrefix…` (a rename): what was known of their metadata moves along. */
  movedKeys(fromPrefix: string, toPrefix: string, exact: boolean): void {
    for (const [key, known] of [...this.knownMetadata]) {
      if (exact ? key !== fromPrefix : !key.startsWith(fromPrefix)) continue;
      this.knownMetadata.delete(key);
      this.knownMetadata.set(toPrefix + key.slice(fromPrefix.length), known);
    }
  }

  /** Forgets what is cached of `path`, which this mount is changing: it may exist from now on. */
  forget(path: string): void {
    this.epochs.markChanged(path);
    this.openListings.changed(path);
    this.cache.delete(path);
    const { dir, name } = splitPath(path);
    this.knownListings.mayExist(dir, name);
  }

  /** Forgets `path` and everything cached below it (after a directory rename or removal). */
  /** Drops every answer the mount holds — metadata, listings, what open listings answer — so all is asked afresh. */
  forgetAll(): void {
    this.epochs.markAllChanged();
    this.openListings.changedTree('');
    this.cache.clear();
    this.knownMetadata.clear();
    this.knownListings.forgetAll();
  }

  forgetTree(path: string): void {
    this.epochs.markChanged(path);
    this.openListings.changedTree(path);
    const below = `${path}/`;
    for (const key of this.cache.keys()) if (key === path || key.startsWith(below)) this.cache.delete(key);
    const { dir, name } = splitPath(path);
    this.knownListings.mayExist(dir, name);
    this.knownListings.forgetTree(path);
  }

  fromObject(object: ObjectInfo, fallbackKind: FileKind): S3Node {
    const meta = decodeMetadata(object.metadata);
    const kind = fallbackKind === 'dir' ? 'dir' : meta.kind === 'symlink' && this.options.symlinks ? 'symlink' : 'file';
    // A symlink's size is its target's length, as lstat reports it.
    const size = kind === 'dir' ? 0 : kind === 'symlink' && meta.target !== undefined ? Buffer.byteLength(meta.target) : object.size;
    if (kind !== 'dir') this.learnMetadata(object.key, object.etag, object.metadata);
    return { kind, size, mtime: meta.mtime ?? versionTime(object.mtime, object.etag), etag: object.etag, meta, complete: true };
  }

  /**
   * Whether a cached node may answer a lookup as it is. Not one that may be a symlink, nor a listed directory (one HEAD
   * of its marker brings the mode, owner and time s3fs and this mount store there), nor, with storedPermissionsOnly,
   * any whose metadata was not read.
   */
  answersAsListed(node: S3Node | undefined): boolean {
    if (node === undefined) return true;
    return !node.typeUnknown && !(node.kind === 'dir' && !node.complete) && this.trusted(node);
  }

  /** Whether a cached node may answer a lookup: with storedPermissionsOnly, only one whose metadata was read. */
  trusted(node: S3Node | undefined): boolean {
    return node === undefined || node.complete || !this.options.storedPermissionsOnly;
  }

  /** A directory seen in a listing: its marker object (if any) may hold a mode and owner the listing does not show. */
  listedDir(): S3Node {
    return { ...this.syntheticDir(), complete: false };
  }

  syntheticDir(): S3Node {
    return { kind: 'dir', size: 0, mtime: this.mountedAt, etag: '', meta: NO_METADATA, complete: true };
  }

  /** True when `path` or a directory above it (a tree renamed or removed) changed through this mount after `since`. */
  changedSince(path: string, since: number): boolean {
    for (let at = path; ; at = at.slice(0, Math.max(0, at.lastIndexOf('/')))) {
      if (this.epochs.changedSince(at, since)) return true;
      if (at === '') return false;
    }
  }

  private nameOf(name: string, key: string): string | undefined {
    if (nameProblem(name)) {
      this.warnOnce(key, `S3 key "${key}" cannot be shown as a file name (empty segment, ".", ".." or over 255 bytes); skipped`);
      return undefined;
    }
    return name;
  }

  private warnOnce(id: string, message: string): void {
    if (this.warned.has(id)) return;
    this.warned.add(id);
    this.logger.warn(message);
  }

  /**
   * Drops expired answers, then the oldest, down to 90 % of the cap (so this runs once per 20,000 new paths) — but not
   * a directory being listed: the kernel keeps asking for it while its many names stream in.
   */
  private shrink(): void {
    const now = Date.now();
    for (const [key, entry] of this.cache) if (entry.expiresAt <= now) this.cache.delete(key);
    for (const key of this.cache.keys()) {
      if (this.cache.size <= MAX_CACHED_PATHS * 0.9) break;
      if (!this.openListings.isOpen(key)) this.cache.delete(key);
    }
  }
}

/**
 * S3 timestamps have whole seconds, so two versions of the same size written within one second would look
 * identical to the kernel, which then keeps serving the old version from its page cache. The version's ETag picks
 * the milliseconds, so every version has its own modification time.
 */
export function versionTime(lastModified: Date, etag: string): Date {
  if (lastModified.getMilliseconds() !== 0 || etag === '') return lastModified;
  let hash = 0;
  for (let i = 0; i < etag.length; i++) hash = (hash * 31 + etag.charCodeAt(i)) >>> 0;
  return new Date(lastModified.getTime() + (hash % 1000));
}

/**
 * Names a mount's open listings answer lookups for, all together (one listing that is not open keeps as many for
 * itself); past this many, later names are answered for the metadata TTL only, like any cached answer.
 */
export const MAX_LISTED_NAMES = 1_000_000;

/**
 * Lists a directory page by page, as far as readers have asked. Offsets are stable: entry `i` is the `i`-th the
 * listing emitted. Entries a reader has moved past can be dropped ({@link trimBefore}); the names stay, compact, to
 * answer lookups (see OpenListings). A file is held back until the listing has passed the place where a directory of
 * the same name would sort (`name/`): the directory wins even when the two arrive on different pages.
 */
export class S3ListingCursor implements AnsweringListing {
  /** Entries from index `first` on. */
  private window: S3Listing[] = [];
  private first = 0;
  done = false;
  private token?: string;
  /** Files held back, with the object listed and the epoch of its page. */
  private readonly held = new Map<string, { entry: S3Listing; object: ListedObject; since: number }>();
  private readonly names: ListedNames;
  /** Nodes that lookups completed since they were listed (a directory's marker, an object's metadata). */
  private readonly completed = new Map<string, S3Node>();
  /** Names that changed through the mount after their page was asked for: they answer no lookup. */
  private readonly stale = new Set<string>();
  private allStale = false;

  constructor(
    private readonly tree: S3Tree,
    private readonly store: S3ObjectStore,
    readonly path: string,
    private readonly prefix: string,
    budget: ListedNamesBudget,
  ) {
    this.names = new ListedNames(budget);
  }

  /** How many entries were emitted so far (the offset after the last). */
  get length(): number {
    return this.first + this.window.length;
  }

  /** Entry `index`, unless it was dropped ({@link trimBefore}) or not listed yet. */
  at(index: number): S3Listing | undefined {
    return index >= this.first ? this.window[index - this.first] : undefined;
  }

  /** The index of the first entry still held. */
  get start(): number {
    return this.first;
  }

  /** The entries still held, in order (all of them, unless some were trimmed). */
  get entries(): readonly S3Listing[] {
    return this.window;
  }

  /** The reader will not ask for entries before `index` again: their memory goes (their names still answer). */
  trimBefore(index: number): void {
    const count = Math.min(index - this.first, this.window.length);
    if (count <= 0) return;
    this.window = this.window.slice(count);
    this.first += count;
  }

  /** Whether this listing returned `name` (up to MAX_LISTED_NAMES names). */
  has(name: string): boolean {
    return this.names.has(name);
  }

  /** Entry `index` with what a lookup has since learned of it (its metadata). */
  replace(index: number, entry: S3Listing): void {
    if (index < this.first || index >= this.length) return;
    this.window[index - this.first] = entry;
    if (this.names.has(entry.name)) this.completed.set(entry.name, entry.node);
  }

  /** An entry the listing did not find in the bucket (a file not uploaded yet), shown after the listed ones. */
  append(entry: S3Listing): void {
    this.window.push(entry);
  }

  answer(name: string): S3Node | undefined {
    if (this.allStale || this.stale.has(name)) return undefined;
    const completed = this.completed.get(name);
    if (completed) return completed;
    const listed = this.names.get(name);
    if (!listed) return undefined;
    if (listed.kind === 'dir') return this.tree.listedDir();
    return this.tree.listedFile({ key: `${this.prefix}${name}`, size: listed.size, mtime: new Date(listed.mtimeMs), etag: listed.etag });
  }

  changed(name: string): void {
    if (this.names.has(name)) this.stale.add(name);
  }

  changedAll(): void {
    this.allStale = true;
  }

  /** The listing was closed: its names answer nothing any more, and their memory goes back to the mount's budget. */
  releaseNames(): void {
    this.names.release();
    this.completed.clear();
    this.stale.clear();
  }

  /** Fetches the next page and emits what it settles. */
  async fetchPage(): Promise<void> {
    if (this.done) return;
    const since = this.tree.beginObservation();
    try {
      await this.fetchPageSince(since);
    } finally {
      this.tree.endObservation(since);
    }
  }

  private async fetchPageSince(since: number): Promise<void> {
    const page = await this.store.list(this.prefix, this.token);
    let lastKey = '';
    for (const dir of page.prefixes) {
      if (dir > lastKey) lastKey = dir;
      const name = this.tree.entryName(this.prefix, dir);
      if (name === undefined || this.names.get(name)?.kind === 'dir') continue;
      if (this.held.delete(name)) this.tree.shadowed(`${this.prefix}${name}`, dir);
      // Only a server that lists out of S3's byte order gets here; a name is never listed twice.
      if (this.names.has(name)) continue;
      this.emit({ name, node: this.tree.listedDir() }, { kind: 'dir', size: 0, mtimeMs: 0, etag: '' }, since);
    }
    for (const object of page.objects) {
      if (object.key > lastKey) lastKey = object.key;
      if (object.key === this.prefix) continue;
      const name = this.tree.entryName(this.prefix, object.key);
      if (name === undefined) continue;
      if (this.names.get(name)?.kind === 'dir') {
        this.tree.shadowed(object.key, `${object.key}/`);
        continue;
      }
      this.held.set(name, { entry: { name, node: this.tree.listedFile(object) }, object, since });
    }
    this.token = page.nextToken;
    this.done = this.token === undefined;
    for (const [name, { entry, object, since: listedAt }] of this.held) {
      if (this.done || `${this.prefix}${name}/` < lastKey) {
        this.held.delete(name);
        this.emit(entry, { kind: 'file', size: object.size, mtimeMs: object.mtime.getTime(), etag: object.etag }, listedAt);
      }
    }
  }

  private emit(entry: S3Listing, listed: ListedName, since: number): void {
    this.window.push(entry);
    this.names.add(entry.name, listed);
    if (this.tree.changedSince(joinPath(this.path, entry.name), since)) this.stale.add(entry.name);
    this.tree.listed(this.path, entry, since);
  }
}
