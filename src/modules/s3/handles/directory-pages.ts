import { DirEntry, Fh, Ino, ROOT_INO } from '../../fuse';
import type { ResolvedS3Options } from '../s3-module-options.interface';
import { mapWithConcurrency } from '../store/with-concurrency';
import type { S3Attributes } from '../tree/s3-attributes';
import type { S3Namespace } from '../tree/s3-namespace';
import { childName, joinPath } from '../tree/s3-paths';
import type { S3Listing, S3ListingCursor, S3Tree } from '../tree/s3-tree';
import type { OpenWriters, SharedWriter } from '../write/open-writers';
import { pendingNode } from '../write/pending-node';

const READDIR_PAGE = 512;
/** HEADs in flight while a listing's entries are completed. */
const LOOKUP_CONCURRENCY = 32;

interface DirListing {
  readonly ino: Ino;
  readonly path: string;
  /** Opened by opendir: its cursor answers lookups until releasedir. */
  readonly open: boolean;
  cursor: S3ListingCursor;
  /** Entries up to here have had what the listing lacks looked up (completeListed). */
  completed: number;
  /** Files open for writing and not uploaded yet were appended to the cursor. */
  pendingAdded: boolean;
}

/**
 * The mount's open directories and the pages readdir answers from them: the bucket's listing, completed where it lacks
 * attributes, with the files written through the mount shown as their writers hold them.
 */
export class DirectoryPages {
  private readonly byFh = new Map<Fh, DirListing>();
  private nextFh = 1;

  constructor(
    private readonly options: ResolvedS3Options,
    private readonly tree: S3Tree,
    private readonly namespace: S3Namespace,
    private readonly attributes: S3Attributes,
    private readonly writers: OpenWriters,
  ) {}

  /** opendir: a listing of directory `ino` that answers lookups of its names until {@link close}. */
  open(ino: Ino): Fh {
    const fh = this.nextFh++;
    this.byFh.set(fh, this.listingOf(ino, true));
    return fh;
  }

  /**
   * Pages through the listing only as far as the offsets asked for; offsets are stable. Entries before the offset asked
   * for are dropped (a reader moves forward); asked for again (a rewind, or seekdir back), the directory is listed anew.
   */
  async page(ino: Ino, fh: Fh, offset: number): Promise<DirEntry[]> {
    const open = this.byFh.get(fh);
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
        if (name !== undefined && !cursor.has(name)) cursor.append({ name, node: pendingNode(shared.writer) });
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
    return page;
  }

  /** releasedir: the listing stops answering lookups and gives back its names. */
  close(fh: Fh): void {
    const listing = this.byFh.get(fh);
    this.byFh.delete(fh);
    if (listing) this.tree.closeListing(listing.cursor);
  }

  /** Starts `listing` over with a new cursor (the old one stops answering lookups). */
  private relist(listing: DirListing): void {
    if (listing.open) this.tree.closeListing(listing.cursor);
    listing.cursor = this.cursorOf(listing.path, listing.open);
    listing.completed = 0;
    listing.pendingAdded = false;
  }

  /** A listing of directory `ino`; `open`: one that answers lookups of its names until releasedir (OpenListings). */
  private listingOf(ino: Ino, open: boolean): DirListing {
    const path = ino === ROOT_INO ? '' : this.namespace.pathOf(ino);
    return { ino, path, open, cursor: this.cursorOf(path, open), completed: 0, pendingAdded: false };
  }

  private cursorOf(path: string, open: boolean): S3ListingCursor {
    return open ? this.tree.openListing(path) : this.tree.listing(path);
  }

  /**
   * Listed entries whose attributes the listing cannot give (S3Tree.answersAsListed: objects small enough to be
   * symlinks, directories' markers, and with storedPermissionsOnly every name whose metadata this mount has not
   * read) are looked up here, many at once, so `ls -l` and `find` do not pay one HEAD after another through the
   * kernel's lookups (s3fs does the same).
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

  /**
   * Files of the page written through passthrough are listed with the size their staging file has now: the bucket
   * still has the old version, and an old size answered while the file is being written makes the kernel cut later
   * reads short.
   */
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

  /** A listed file that is open for writing through this mount is shown as its writer holds it. */
  private withPendingContent(dir: string, entry: S3Listing): S3Listing {
    if (this.writers.size === 0) return entry;
    const shared = this.writers.at(joinPath(dir, entry.name));
    return shared ? { name: entry.name, node: pendingNode(shared.writer) } : entry;
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
}
