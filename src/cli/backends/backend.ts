import type { DynamicModule } from '@nestjs/common';
import type { Registry } from 'prom-client';
import type { FuseOp } from '../../modules/fuse';
import type { MountCommandOptions } from '../mount-command-options';
import type { BackendFlag } from './backend-flag';

/** What `nestjs-fuse mount` serves files from. */
export interface Backend {
  /** The name on the command line: `nestjs-fuse mount <dir> <name> <source>`. */
  readonly name: string;
  /** The `@FuseFilesystem()` name the backend registers. */
  readonly filesystem: string;
  /** The flags only this backend takes; any other backend refuses them. */
  readonly flags: ReadonlyArray<BackendFlag<unknown>>;
  /** Per-op deadlines that differ from the general one (ops that legitimately take long on this backend). */
  readonly deadlines?: Partial<Record<FuseOp, number>>;
  /** Checks the source argument and the flags against the (resolved) mountpoint, and builds the backend's module. */
  module(source: string, options: MountCommandOptions, mountpoint: string, metrics?: Registry): Promise<DynamicModule>;
  describe(source: string): string;
}
