import * as fs from 'node:fs/promises';
import { FsError } from '../fuse';
import type { BackingFile } from './backing-file';
import type { FileStats } from './file-stats';
import { native, nativeFileCalls } from './native-file-calls';

/** A time to set: the Date, and when the caller gave it, the nanoseconds within its second. */
export interface TimeToSet {
  time: Date;
  nanoseconds?: number;
}

/**
 * Sets a file's access and/or modification time. With nestjs-fuse's addon built, through utimensat(2): to the
 * nanosecond, and a time not given stays exactly as it is. Without it, through Node, which takes seconds as a double
 * (about a quarter-microsecond here) and must set both: the one not given is written back from `before`, to the
 * millisecond.
 */
export async function setFileTimes(
  target: { path: string } | { handle: BackingFile },
  atime: TimeToSet | undefined,
  mtime: TimeToSet | undefined,
  before: FileStats,
): Promise<void> {
  const calls = await nativeFileCalls();
  if (calls) {
    // An open handle is named through /proc, which reaches the file even after it lost its name.
    const [path, follow] = 'handle' in target ? [`/proc/self/fd/${target.handle.fd}`, true] : [target.path, false];
    await native(calls.setTimes(path, timespec(atime), timespec(mtime), follow));
    return;
  }
  const [a, m] = [atime?.time ?? before.atime, mtime?.time ?? before.mtime];
  await ('handle' in target ? target.handle.utimes(a, m) : fs.lutimes(target.path, a, m)).catch((error: unknown) => {
    throw FsError.fromSystemError(error) ?? error;
  });
}

function timespec(time: TimeToSet | undefined): [number, number] | null {
  if (!time) return null;
  const ms = time.time.getTime();
  const seconds = Math.floor(ms / 1000);
  return [seconds, time.nanoseconds ?? (ms - seconds * 1000) * 1_000_000];
}
