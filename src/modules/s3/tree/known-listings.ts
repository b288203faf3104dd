interface KnownListing {
  names: Set<string>;
  expiresAt: number;
}

/** Above this many directories, expired records are swept out. */
const SWEEP_ABOVE = 10_000;

/**
 * Directories whose whole listing is known, so that a name missing from it is known to be missing: for the negative
 * TTL, counted from the moment the listing was checked — the promise a remembered miss makes, made for every absent
 * name at once. The S3 backend records the directories it has just made (empty), which spares the lookup before each
 * create in them (`cp -r`, an archive unpacked) its HEAD and LIST. Listings of existing directories are not recorded:
 * an object another client has just put there must be found by name at once.
 *
 * Only this mount's own changes are seen here, and they only ever add names: a name created, uploaded or renamed into
 * a directory is added to its record at once, and a listing checked before a name of its directory changed is not
 * kept (it may have missed the change).
 */
export class KnownListings {
  private readonly known = new Map<string, KnownListing>();
  /** When a name of each directory last changed through this mount. */
  private readonly changedAt = new Map<string, number>();
  /** When a directory last moved or went away: listings under way then may describe a tree that no longer is. */
  private treeChangedAt = 0;
  private sweepAbove = SWEEP_ABOVE;

  constructor(private readonly ttlMs: number) {}

  /** A listing of `dir` asked for at `startedAt` (Date.now()) showed exactly `names`. */
  record(dir: string, names: Iterable<string>, startedAt: number): void {
    if (this.ttlMs <= 0) return;
    const changed = this.changedAt.get(dir);
    if ((changed !== undefined && changed >= startedAt) || this.treeChangedAt >= startedAt) return;
    this.known.set(dir, { names: new Set(names), expiresAt: startedAt + this.ttlMs });
    this.sweepIfLarge();
  }

  /** `name` in `dir` may exist from now on: it is never answered missing from an older listing. */
  mayExist(dir: string, name: string): void {
    if (this.ttlMs <= 0) return;
    this.changedAt.set(dir, Date.now());
    this.known.get(dir)?.names.add(name);
    this.sweepIfLarge();
  }

  /** `dir` and everything below it may have changed (a directory renamed or removed). */
  /** Everything known is forgotten (SIGHUP). */
  forgetAll(): void {
    this.known.clear();
    this.treeChangedAt = Date.now();
  }

  forgetTree(dir: string): void {
    const below = `${dir}/`;
    for (const path of this.known.keys()) if (path === dir || path.startsWith(below)) this.known.delete(path);
    this.treeChangedAt = Date.now();
  }

  /** True when a fresh listing of `dir` is known and has no `name`. */
  knownMissing(dir: string, name: string): boolean {
    const known = this.known.get(dir);
    if (!known) return false;
    if (known.expiresAt <= Date.now()) {
      this.known.delete(dir);
      return false;
    }
    return !known.names.has(name);
  }

  /** Directories tracked now, records and recent changes together: bounded, however long the mount runs. */
  get size(): number {
    return this.known.size + this.changedAt.size;
  }

  /**
   * Every change through the mount notes its directory, so the maps are swept of what is past the TTL once they
   * pass a threshold — which doubles while they are all fresh, so a burst costs no sweep per call.
   */
  private sweepIfLarge(): void {
    if (this.size <= this.sweepAbove) return;
    const now = Date.now();
    for (const [dir, known] of this.known) if (known.expiresAt <= now) this.known.delete(dir);
    for (const [dir, at] of this.changedAt) if (at + this.ttlMs <= now) this.changedAt.delete(dir);
    this.sweepAbove = Math.max(SWEEP_ABOVE, 2 * this.size);
  }
}
