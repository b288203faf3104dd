import { FsError } from '../errors/fs-error';
import type { FuseMountOptions } from '../interfaces/fuse-module-options.interface';
import { FUSE_MAX_MINOR, FUSE_MIN_MINOR, InitFlag, InitFlag2, MAX_PAGES, MAX_WRITE, PASSTHROUGH_MAX_STACK_DEPTH } from './fuse-protocol';
import type { FuseRequest } from './fuse-request';
import { initOut } from './fuse-reply';

const EPROTO = 71;

export interface Negotiated {
  /** The INIT reply's body. */
  body: Buffer;
  /** The kernel agreed to the writeback cache. */
  writeback: boolean;
  /** The kernel agreed to passthrough: opens may name backing files. */
  passthrough: boolean;
}

/**
 * The answer to the kernel's INIT: the protocol version both speak and what this transport asks of the kernel —
 * asynchronous reads, big writes, readdirplus for every listing page, parallel directory ops, 1 MiB requests, the
 * kernel's own page invalidation with pageCache 'auto', the writeback cache when asked for, and passthrough unless
 * turned off (the kernel allows it only without the writeback cache). Throws (EPROTO) for a
 * kernel older than the structures used here.
 */
export function negotiateInit(request: FuseRequest, options: FuseMountOptions): Negotiated {
  const major = request.u32();
  const minor = request.u32();
  const maxReadahead = request.u32();
  const kernelFlags = request.u32();
  const kernelFlags2 = kernelFlags & InitFlag.INIT_EXT ? request.u32() : 0;
  if (major !== 7 || minor < FUSE_MIN_MINOR) {
    throw new FsError(EPROTO, `the kernel speaks FUSE ${major}.${minor}; the kernel transport needs 7.${FUSE_MIN_MINOR} or newer`);
  }
  const wanted =
    InitFlag.ASYNC_READ |
    InitFlag.BIG_WRITES |
    InitFlag.DO_READDIRPLUS |
    InitFlag.PARALLEL_DIROPS |
    InitFlag.MAX_PAGES |
    ((options.pageCache ?? 'auto') === 'auto' ? InitFlag.AUTO_INVAL_DATA : 0) |
    (options.writebackCache ? InitFlag.WRITEBACK_CACHE : 0);
  const wanted2 = options.passthrough !== false && !options.writebackCache ? InitFlag2.PASSTHROUGH : 0;
  const flags2 = (kernelFlags2 & wanted2) >>> 0;
  const flags = ((kernelFlags & wanted) | (flags2 !== 0 ? InitFlag.INIT_EXT : 0)) >>> 0;
  const passthrough = (flags2 & InitFlag2.PASSTHROUGH) !== 0;
  const body = initOut({
    minor: Math.min(minor, FUSE_MAX_MINOR),
    maxReadahead,
    flags,
    maxBackground: 64,
    congestionThreshold: 48,
    maxWrite: MAX_WRITE,
    timeGranularity: 1,
    maxPages: MAX_PAGES,
    flags2,
    maxStackDepth: passthrough ? PASSTHROUGH_MAX_STACK_DEPTH : 0,
  });
  return { body, writeback: (flags & InitFlag.WRITEBACK_CACHE) !== 0, passthrough };
}
