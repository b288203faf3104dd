import { FsError } from './errors/fs-error';
import { NAME_MAX_BYTES } from './fuse.constants';

/** Why `name` cannot be one name in a directory (empty, `.`, `..`, a `/` or NUL in it, over 255 bytes), or undefined. */
export function nameProblem(name: string): 'invalid' | 'too long' | undefined {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) return 'invalid';
  if (Buffer.byteLength(name) > NAME_MAX_BYTES) return 'too long';
  return undefined;
}

/** Throws EINVAL or ENAMETOOLONG unless `name` can be one name in a directory. */
export function assertFileName(name: string): void {
  const problem = nameProblem(name);
  if (problem === 'invalid') throw FsError.invalid(`invalid file name ${JSON.stringify(name)}`);
  if (problem === 'too long') throw FsError.nameTooLong(`name longer than ${NAME_MAX_BYTES} bytes`);
}
