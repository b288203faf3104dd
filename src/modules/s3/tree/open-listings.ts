import type { S3Node } from './s3-tree';
import { splitPath } from './s3-paths';

/** What an open listing offers to answer lookups with. */
export interface AnsweringListing {
  /** The directory listed (a path relative to the mount's prefix; '' for the root). */
  readonly path: string;
  /** The node this listing returned for `name`, unless it changed through the mount since. */
  answer(name: string): S3Node | undefined;
  /** `name` changed through the mount: its entry may no longer answer. */
  changed(name: string): void;
  /** Everything listed may have changed (the directory, or one above it, was renamed or removed). */
  changedAll(): void;
}

/**
 * The directories open for reading through this mount (opendir until releasedir), by path. A name one of them returned
 * is answered from it for as long as it is open — not for a time counted from when its page arrived — so tools that
 * list first and stat afterwards (`ls -l`, `find`, `du`, `rsync`) pay no request per name however long the listing
 * took. A change through the mount takes the name (or, for a directory, everything below it) out of the answers.
 */
export class OpenListings {
  private readonly byPath = new Map<string, Set<AnsweringListing>>();

  open(listing: AnsweringListing): void {
    let listings = this.byPath.get(listing.path);
    if (!listings) this.byPath.set(listing.path, (listings = new Set()));
    listings.add(listing);
  }

  close(listing: AnsweringListing): void {
    const listings = this.byPath.get(listing.path);
    if (!listings?.delete(listing)) return;
    if (listings.size === 0) this.byPath.delete(listing.path);
  }

  /** Whether directory `path` is open for reading. */
  isOpen(path: string): boolean {
    return this.byPath.has(path);
  }

  /** The node an open listing of `path`'s directory returned for it. */
  answer(path: string): S3Node | undefined {
    if (path === '') return undefined;
    const { dir, name } = splitPath(path);
    for (const listing of this.byPath.get(dir) ?? []) {
      const node = listing.answer(name);
      if (node) return node;
    }
    return undefined;
  }

  /** `path` changed through the mount. */
  changed(path: string): void {
    if (path === '') return;
    const { dir, name } = splitPath(path);
    for (const listing of this.byPath.get(dir) ?? []) listing.changed(name);
  }

  /** `path` and everything below it changed through the mount (a directory renamed or removed). */
  changedTree(path: string): void {
    this.changed(path);
    const below = `${path}/`;
    for (const [dir, listings] of this.byPath) {
      if (dir === path || path === '' || dir.startsWith(below)) for (const listing of listings) listing.changedAll();
    }
  }
}
