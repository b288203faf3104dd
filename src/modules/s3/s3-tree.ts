import { Logger } from '@nestjs/common';
import { FileKind, NAME_MAX_BYTES } from '../fuse';
import { decodeMetadata, PosixMetadata } from './s3-metadata';
import type { ResolvedS3Options } from './s3-module-options.interface';
import type { ObjectInfo, S3ObjectStore } from './s3-object.store';

/** What the mount knows about one path of the bucket. */
export interface S3Node {
  kind: FileKind;
  size: number;
  mtime: Date;
  etag: string;
  meta: PosixMetadata;
  /** False when it comes from a listing, which carries no object metadata (mode, owner, symlink type). */
  complete: boolean;
}

export interface S3Listing {
  name: string;
  node: S3Node;
}

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
  /** Directories that exist only as prefixes have no timestamp of their own: they show the mount's start. */
  private readonly mountedAt = new Date();

  constructor(
    private readonly store: S3ObjectStore,
    private readonly options: ResolvedS3Options,
    private readonly logger: Logger,
  ) {}

  /** The key of a file path (relative to the mount's prefix). */
  fileKey(path: string): string {
    return `${this.options.prefix}${path}`;
  }

  /** The key prefix of a directory path: everything in it starts with this. */
  dirPrefix(path: string): string {
    return path === '' ? this.options.prefix : `${this.options.prefix}${path}/`;
  }

  /** One round trip: a HEAD of the object and a one-key LIST below it, in parallel. */
  async lookup(path: string): Promise<S3Node | undefined> {
    const cached = this.cache.get(path);
    if (cached && cached.expiresAt > Date.now() && (cached.node === undefined || cached.node.complete)) return cached.node;
    const prefix = this.dirPrefix(path);
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
    this.remember(path, node);
    return node;
  }

  /** Every entry of a directory, following continuation tokens; the directory's own marker is not an entry. */
  async list(path: string): Promise<S3Listing[]> {
    const prefix = this.dirPrefix(path);
    const entries = new Map<string, S3Listing>();
    let token: string | undefined;
    do {
      const page = await this.store.list(prefix, token);
      for (const dir of page.prefixes) {
        const name = this.nameOf(dir.slice(prefix.length, -1), dir);
        if (name === undefined) continue;
        const shadowed = entries.get(name);
        if (shadowed && shadowed.node.kind !== 'dir') this.warnOnce(`${path}/${name}`, `S3 key "${prefix}${name}" is hidden by the directory "${dir}"`);
        entries.set(name, { name, node: this.syntheticDir() });
      }
      for (const object of page.objects) {
        if (object.key === prefix) continue;
        const name = this.nameOf(object.key.slice(prefix.length), object.key);
        if (name === undefined) continue;
        if (entries.get(name)?.node.kind === 'dir') {
          this.warnOnce(`${path}/${name}`, `S3 key "${object.key}" is hidden by the directory "${object.key}/"`);
          continue;
        }
        const node: S3Node = { kind: 'file', size: object.size, mtime: versionTime(object.mtime, object.etag), etag: object.etag, meta: {}, complete: false };
        entries.set(name, { name, node });
      }
      token = page.nextToken;
    } while (token);
    const childBase = path === '' ? '' : `${path}/`;
    for (const entry of entries.values()) {
      // A listed file carries no metadata: remembered as incomplete, so a lookup still asks for it.
      if (!this.cache.get(`${childBase}${entry.name}`)?.node?.complete) this.remember(`${childBase}${entry.name}`, entry.node);
    }
    return [...entries.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** A listed node, if the cache still has one (complete or not). */
  peek(path: string): S3Node | undefined {
    const cached = this.cache.get(path);
    return cached && cached.expiresAt > Date.now() ? cached.node : undefined;
  }

  remember(path: string, node: S3Node | undefined): void {
    const ttl = node ? this.options.metadataTtlMs : this.options.negativeTtlMs;
    if (ttl <= 0) {
      this.cache.delete(path);
      return;
    }
    this.cache.set(path, { node, expiresAt: Date.now() + ttl });
    if (this.cache.size > 200_000) this.sweep();
  }

  forget(path: string): void {
    this.cache.delete(path);
  }

  /** Forgets `path` and everything cached below it (after a directory rename or removal). */
  forgetTree(path: string): void {
    const below = `${path}/`;
    for (const key of this.cache.keys()) if (key === path || key.startsWith(below)) this.cache.delete(key);
  }

  fromObject(object: ObjectInfo, fallbackKind: FileKind): S3Node {
    const meta = decodeMetadata(object.metadata);
    const kind = fallbackKind === 'dir' ? 'dir' : meta.kind === 'symlink' ? 'symlink' : 'file';
    return { kind, size: kind === 'dir' ? 0 : object.size, mtime: meta.mtime ?? versionTime(object.mtime, object.etag), etag: object.etag, meta, complete: true };
  }

  syntheticDir(): S3Node {
    return { kind: 'dir', size: 0, mtime: this.mountedAt, etag: '', meta: {}, complete: true };
  }

  private nameOf(name: string, key: string): string | undefined {
    if (name === '' || name === '.' || name === '..' || name.includes('/') || Buffer.byteLength(name) > NAME_MAX_BYTES) {
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

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.cache) if (entry.expiresAt <= now) this.cache.delete(key);
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
