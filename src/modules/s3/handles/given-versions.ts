/** Versions remembered for noticing a replaced object at open (the oldest are forgotten past this many). */
const REMEMBERED_VERSIONS = 65_536;

/**
 * The version (ETag) of each path the kernel was last given, by an open or by an upload through the mount: an open
 * that finds another version knows what the kernel caches of the file (pages, attributes) is stale.
 */
export class GivenVersions {
  private readonly byPath = new Map<string, string>();

  constructor(private readonly limit = REMEMBERED_VERSIONS) {}

  /** Records `etag` as the version of `path` the kernel has; true when it had another one before. */
  give(path: string, etag: string): boolean {
    const before = this.byPath.get(path);
    // Deleted and set again, so the map's order is the order of last use and the first key the one to forget.
    this.byPath.delete(path);
    this.byPath.set(path, etag);
    if (this.byPath.size > this.limit) this.byPath.delete(this.byPath.keys().next().value as string);
    return before !== undefined && before !== etag;
  }

  /** `path` is gone: a file made there later is new to the kernel, whatever its ETag. */
  forget(path: string): void {
    this.byPath.delete(path);
  }
}
