import type { FuseTransportKind, PageCachePolicy } from '../modules/fuse';
import type { LogFormat, LogLevelName } from './daemon-logger';
import type { FlagValues } from './backends/backend-flag';

/**
 * The parsed flags of `nestjs-fuse mount`: the ones every backend takes by name, and each backend's own by their keys
 * (declared once, in the backend's flag list).
 */
export type MountCommandOptions = CommonMountOptions & FlagValues;

/** The flags every backend takes. */
export interface CommonMountOptions {
  readOnly?: boolean;
  allowOther?: boolean;
  allowNonEmpty?: boolean;
  mkdir?: boolean;
  debug?: boolean;
  uid?: number;
  gid?: number;
  umask?: number;
  entryTtl?: number;
  attrTtl?: number;
  pageCache?: PageCachePolicy;
  transport?: FuseTransportKind | 'auto';
  writebackCache?: boolean;
  passthrough?: boolean;
  deadline?: number;
  fsname?: string;
  xattrs?: boolean;
  opStats?: boolean;
  daemon?: boolean;
  metricsPort?: number;
  logLevel?: LogLevelName;
  logFormat?: LogFormat;
  logFile?: string;
  metricsHost?: string;
}
