import { constants } from 'node:os';

const errno = constants.errno;

/** Names that share a value with an alias (ENOTSUP, EWOULDBLOCK, EDEADLOCK): the name tools print. */
const PREFERRED_CODES: Readonly<Record<number, string>> = {
  [errno.EOPNOTSUPP]: 'EOPNOTSUPP',
  [errno.EAGAIN]: 'EAGAIN',
  [errno.EDEADLK]: 'EDEADLK',
};

/** errno value → code, built once: errors like ENODATA are answered thousands of times a second. */
const CODES = new Map<number, string>();
for (const [code, value] of Object.entries(errno)) if (!CODES.has(value)) CODES.set(value, code);
for (const [value, code] of Object.entries(PREFERRED_CODES)) CODES.set(Number(value), code);

/**
 * The error a handler throws to answer an op with a specific errno. Any other exception becomes `EIO` and a log line.
 */
export class FsError extends Error {
  /** A positive errno value, e.g. `2` for ENOENT. */
  readonly errno: number;

  constructor(errnoValue: number, message?: string) {
    super(message ?? `${FsError.codeOf(errnoValue)}`);
    this.name = 'FsError';
    this.errno = errnoValue;
  }

  /** The symbolic code, e.g. `ENOENT`. */
  get code(): string {
    return FsError.codeOf(this.errno);
  }

  static codeOf(errnoValue: number): string {
    return CODES.get(errnoValue) ?? `errno ${errnoValue}`;
  }

  static notFound(message?: string): FsError {
    return new FsError(errno.ENOENT, message);
  }
  static exists(message?: string): FsError {
    return new FsError(errno.EEXIST, message);
  }
  static notDirectory(message?: string): FsError {
    return new FsError(errno.ENOTDIR, message);
  }
  static isDirectory(message?: string): FsError {
    return new FsError(errno.EISDIR, message);
  }
  static notEmpty(message?: string): FsError {
    return new FsError(errno.ENOTEMPTY, message);
  }
  static accessDenied(message?: string): FsError {
    return new FsError(errno.EACCES, message);
  }
  static notPermitted(message?: string): FsError {
    return new FsError(errno.EPERM, message);
  }
  static invalid(message?: string): FsError {
    return new FsError(errno.EINVAL, message);
  }
  static io(message?: string): FsError {
    return new FsError(errno.EIO, message);
  }
  static badHandle(message?: string): FsError {
    return new FsError(errno.EBADF, message);
  }
  static notImplemented(message?: string): FsError {
    return new FsError(errno.ENOSYS, message);
  }
  static notSupported(message?: string): FsError {
    return new FsError(errno.EOPNOTSUPP, message);
  }
  static readOnly(message?: string): FsError {
    return new FsError(errno.EROFS, message);
  }
  static nameTooLong(message?: string): FsError {
    return new FsError(errno.ENAMETOOLONG, message);
  }
  /** EINTR: the caller was interrupted (see RequestContext.signal). */
  static interrupted(message?: string): FsError {
    return new FsError(errno.EINTR, message);
  }
  static timedOut(message?: string): FsError {
    return new FsError(errno.ETIMEDOUT, message);
  }
  static stale(message?: string): FsError {
    return new FsError(errno.ESTALE, message);
  }
  static noAttribute(message?: string): FsError {
    return new FsError(errno.ENODATA, message);
  }
  static range(message?: string): FsError {
    return new FsError(errno.ERANGE, message);
  }
  static crossDevice(message?: string): FsError {
    return new FsError(errno.EXDEV, message);
  }
  static tooBig(message?: string): FsError {
    return new FsError(errno.EFBIG, message);
  }
  static noSpace(message?: string): FsError {
    return new FsError(errno.ENOSPC, message);
  }
  static loop(message?: string): FsError {
    return new FsError(errno.ELOOP, message);
  }

  /**
   * Converts a Node.js system error (`err.code === 'ENOENT'`, from `fs/promises` and friends) to an FsError with the
   * same errno; returns undefined for anything else.
   */
  static fromSystemError(error: unknown): FsError | undefined {
    if (error instanceof FsError) return error;
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code !== 'string') return undefined;
    const value = (errno as Record<string, number | undefined>)[code];
    if (value === undefined) return undefined;
    return new FsError(value, (error as Error).message);
  }
}
