import { FsError } from '../errors/fs-error';
import type { FuseMountOptions } from '../interfaces/fuse-module-options.interface';
import { FUSE_MAX_MINOR, FUSE_MIN_MINOR, InitFlag, MAX_PAGES, MAX_WRITE } from './fuse-protocol';
import type { FuseRequest } from './fuse-request';
import { initOut } from './fuse-reply';

const EPROTO = 71;

export interface Negotiated {
  /** The INIT reply's body. */
  body: Buffer;
  /** The kernel agreed to the writeback cache. */
  writeback: boolean;
}

/**
 * The answer to the kernel's INIT: the protocol version both speak and what this transport asks of the kernel —
 * asynchronous reads, big writes, readdirplus when the kernel sees fit, parallel directory ops, 1 MiB requests, the
 * kernel's own page invalidation with pageCache 'auto', and the writeback cache when asked for. Throws (EPROTO) for a
 * kernel older than the structures used here.
 */
export function negotiateInit(request: FuseRequest, options: FuseMountOptions): Negotiated {
  const major = request.u32();
  const minor = request.u32();
  const maxReadahead = request.u32();
  const kernelFlags = request.u32();
  if (major !== 7 || minor < FUSE_MIN_MINOR) {
    throw new FsError(EPROTO, `the kernel speaks FUSE ${major}.${minor}; the kernel transport needs 7.${FUSE_MIN_MINOR} or newer`);
  }
  const wanted =
    InitFlag.ASYNC_READ |
    InitFlag.BIG_WRITES |
    InitFlag.DO_READDIRPLUS |
    InitFlag.READDIRPLUS_AUTO |
    InitFlag.PARALLEL_DIROPS |
    InitFlag.MAX_PAGES |
    ((options.pageCache ?? 'auto') === 'auto' ? InitFlag.AUTO_INVAL_DATA : 0) |
    (options.writebackCache ? InitFlag.WRITEBACK_CACHE : 0);
  const flags = (kernelFlags & wanted) >>> 0;
  const body = initOut({
    minor: Math.min(minor, FUSE_MAX_MINOR),
    maxReadahead,
    flags,
    maxBackground: 64,
    congestionThreshold: 48,
    maxWrite: MAX_WRITE,
    timeGranularity: 1,
    maxPages: MAX_PAGES,
  });
  return { body, writeback: (flags & InitFlag.WRITEBACK_CACHE) !== 0 };
}
