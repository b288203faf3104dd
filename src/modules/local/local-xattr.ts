import { execFile } from 'node:child_process';
import { FsError } from '../fuse';

const XATTR_CREATE = 1;
const XATTR_REPLACE = 2;
const TIMEOUT_MS = 10_000;

/**
 * Extended attributes of backing files. Node has no xattr API, so this runs getfattr/setfattr from the `attr`
 * package (asynchronously, never following symlinks) and maps their messages back to errno.
 */
export class LocalXattr {
  async get(path: string, name: string): Promise<Buffer> {
    const { stdout } = await run('getfattr', ['-h', '--only-values', '-n', name, '--', path]);
    return stdout;
  }

  async list(path: string): Promise<string[]> {
    const { stdout } = await run('getfattr', ['-h', '--absolute-names', '-m', '-', '--', path]);
    return stdout
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('# file:'));
  }

  async set(path: string, name: string, value: Buffer, flags: number): Promise<void> {
    if (flags & (XATTR_CREATE | XATTR_REPLACE)) {
      const exists = (await this.list(path)).includes(name);
      if (flags & XATTR_CREATE && exists) throw FsError.exists(`attribute ${name} already exists`);
      if (flags & XATTR_REPLACE && !exists) throw FsError.noAttribute(`attribute ${name} does not exist`);
    }
    await run('setfattr', ['-h', '-n', name, '-v', `0s${value.toString('base64')}`, '--', path]);
  }

  async remove(path: string, name: string): Promise<void> {
    await run('setfattr', ['-h', '-x', name, '--', path]);
  }
}

const MESSAGES: ReadonlyArray<[RegExp, () => FsError]> = [
  [/No such attribute|No data available/i, () => FsError.noAttribute()],
  [/No such file/i, () => FsError.notFound()],
  [/Operation not supported/i, () => FsError.notSupported()],
  [/Permission denied/i, () => FsError.accessDenied()],
  [/Operation not permitted/i, () => FsError.notPermitted()],
  [/Numerical result out of range|Argument list too long/i, () => FsError.range()],
  [/No space left/i, () => FsError.noSpace()],
  [/Invalid argument|Invalid/i, () => FsError.invalid()],
];

function run(command: string, args: string[]): Promise<{ stdout: Buffer }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'buffer', timeout: TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve({ stdout });
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(FsError.notSupported(`${command} is not installed (Debian: apt-get install attr)`));
      }
      const text = stderr.toString('utf8');
      const match = MESSAGES.find(([pattern]) => pattern.test(text));
      reject(match ? match[1]() : new Error(`${command} failed: ${text.trim() || error.message}`));
    });
  });
}
