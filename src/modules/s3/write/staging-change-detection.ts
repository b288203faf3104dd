import { statfs } from 'node:fs/promises';
import { release } from 'node:os';

/**
 * Filesystems whose shared writable mappings fault on the first write to a clean page and update the file's times
 * there (they implement `page_mkwrite`), and which take fine-grained timestamps when asked (multigrain, Linux 6.13).
 * tmpfs has the timestamps but not the fault: a write through a mapping of a tmpfs file leaves its times alone.
 */
const TIMESTAMPING_FILESYSTEMS = new Map<number, string>([
  [0xef53, 'ext4'],
  [0x58465342, 'xfs'],
  [0x9123683e, 'btrfs'],
]);

/** The first kernel with multigrain timestamps: a change after a `stat` always shows a new ctime. */
const MULTIGRAIN_KERNEL: [number, number] = [6, 13];

/**
 * Why a staging file in `dir` cannot be handed to the kernel for writing (passthrough), or undefined when it can.
 * Passthrough writes never reach the S3 backend, which uploads a staged file only when it changed: it must be able to
 * tell from the file alone — its size and its times — that every write, through write(2) or a mapping, happened.
 */
export async function whyStagingMissesChanges(dir: string, kernel = release()): Promise<string | undefined> {
  const [major, minor] = kernel.split(/[.-]/).map(Number);
  if (!(major > MULTIGRAIN_KERNEL[0] || (major === MULTIGRAIN_KERNEL[0] && minor >= MULTIGRAIN_KERNEL[1]))) {
    return `Linux ${kernel} gives a change within one clock tick of the last look the same time stamp (6.13 and newer do not)`;
  }
  const { type } = await statfs(dir);
  if (!TIMESTAMPING_FILESYSTEMS.has(type)) {
    return `the staging directory ${dir} is on a filesystem (type 0x${type.toString(16)}) where writes through a memory mapping leave no time stamp; ext4, xfs and btrfs have them`;
  }
  return undefined;
}
