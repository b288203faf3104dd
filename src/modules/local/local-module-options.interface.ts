/** Options of {@link LocalModule}. */
export interface LocalModuleOptions {
  /** The directory to serve. Nothing outside it is reachable through the filesystem. */
  root: string;
  /**
   * Whether lstat/fstat of backing files run on the JavaScript thread (default true): a cached inode answers in about
   * a microsecond, far less than a hop to libuv's thread pool and back. Set false when the directory is on slow
   * storage (a network filesystem), where each call would hold up every other request of the mount.
   */
  inlineMetadata?: boolean;
}
