import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { createServer } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { FsError } from '../fuse';

const S_IFMT = 0o170000;
const S_IFIFO = 0o010000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFSOCK = 0o140000;
const COMMAND_TIMEOUT_MS = 10_000;

/**
 * Makes a FIFO, Unix socket or device node at `path`. Node has no mknod(2): FIFOs and device nodes come from
 * coreutils' `mknod`, sockets from binding one. Each is made under a temporary name beside `path` and then hard-linked
 * into place, so an existing `path` fails with EEXIST exactly as mknod(2) would, and nothing half-made is ever seen.
 */
export async function makeSpecialFile(path: string, mode: number, rdev: number): Promise<void> {
  const temporary = join(dirname(path), `.nestjs-fuse-mknod-${randomBytes(6).toString('hex')}`);
  const type = mode & S_IFMT;
  try {
    if (type === S_IFSOCK) await bindSocket(temporary);
    else if (type === S_IFIFO) await mknod(temporary, ['p']);
    else if (type === S_IFCHR || type === S_IFBLK) await mknod(temporary, [type === S_IFCHR ? 'c' : 'b', String(major(rdev)), String(minor(rdev))]);
    else throw FsError.invalid(`mknod of file type 0o${type.toString(8)} is not supported`);
    await fs.chmod(temporary, mode & 0o7777);
    await fs.link(temporary, path).catch((error: unknown) => {
      throw FsError.fromSystemError(error) ?? error;
    });
  } finally {
    await fs.rm(temporary, { force: true });
  }
}

function mknod(path: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('mknod', ['--', path, ...args], { timeout: COMMAND_TIMEOUT_MS }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      reject(/not permitted/i.test(String(stderr)) ? FsError.notPermitted() : FsError.io(`mknod failed: ${String(stderr).trim() || error.message}`));
    });
  });
}

/**
 * A socket file stays after its listener closes only under another name: libuv unlinks the name it bound. A socket's
 * path may not be longer than 107 bytes, so it is bound through the directory's descriptor (/proc/self/fd/N/name).
 */
async function bindSocket(path: string): Promise<void> {
  const dir = await fs.open(dirname(path), constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    const bound = `/proc/self/fd/${dir.fd}/${basename(path)}.bound`;
    await new Promise<void>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(bound, () => {
        fs.link(bound, `/proc/self/fd/${dir.fd}/${basename(path)}`).then(
          () => server.close(() => resolve()),
          (error: unknown) => server.close(() => reject(error)),
        );
      });
    });
  } finally {
    await dir.close();
  }
}

/** Linux's device-number encoding, as the kernel passes it in mknod_in. */
function major(dev: number): number {
  return ((dev >>> 8) & 0xfff) | (Math.floor(dev / 2 ** 32) & ~0xfff);
}

function minor(dev: number): number {
  return (dev & 0xff) | ((dev >>> 12) & ~0xff);
}
