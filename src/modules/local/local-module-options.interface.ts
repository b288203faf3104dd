/** Options of {@link LocalModule}. */
export interface LocalModuleOptions {
  /** The directory to serve. Nothing outside it is reachable through the filesystem. */
  root: string;
}
