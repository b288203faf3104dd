const MiB = 1 << 20;

/** How big each workload is: the full run of the performance issue, or a quick smoke run that only proves it works. */
export interface Sizes {
  rounds: number;
  seqReadBytes: number;
  random4kRegion: { local: number; s3: number };
  random64kRegion: { local: number; s3: number };
  treeDirs: number;
  treeFilesPerDir: number;
  flatEntries: number;
  writeBytes: { local: number; s3: number };
  smallFiles: number;
  statCalls: number;
}

export const FULL: Sizes = {
  rounds: 3,
  seqReadBytes: 1024 * MiB,
  random4kRegion: { local: 64 * MiB, s3: 16 * MiB },
  random64kRegion: { local: 256 * MiB, s3: 64 * MiB },
  treeDirs: 10,
  treeFilesPerDir: 1_000,
  flatEntries: 10_000,
  writeBytes: { local: 1024 * MiB, s3: 256 * MiB },
  smallFiles: 1_000,
  statCalls: 20_000,
};

export const QUICK: Sizes = {
  rounds: 1,
  seqReadBytes: 16 * MiB,
  random4kRegion: { local: 1 * MiB, s3: 256 * 1024 },
  random64kRegion: { local: 4 * MiB, s3: 1 * MiB },
  treeDirs: 2,
  treeFilesPerDir: 50,
  flatEntries: 200,
  writeBytes: { local: 16 * MiB, s3: 16 * MiB },
  smallFiles: 50,
  statCalls: 200,
};

export function describeBytes(bytes: number): string {
  return bytes >= 1024 * MiB ? `${bytes / (1024 * MiB)} GiB` : bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / 1024} KiB`;
}
