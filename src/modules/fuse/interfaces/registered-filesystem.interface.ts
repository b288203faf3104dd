import type { FuseOp } from '../fuse.constants';
import type { FuseOpTable } from './fuse-handlers.interface';

/** A filesystem found at boot: its name, its provider instance and its bound op table. */
export interface RegisteredFilesystem {
  readonly name: string;
  readonly className: string;
  readonly instance: object;
  readonly ops: FuseOpTable;
  /** `Class.method` of each op's handler, for error messages and logs. */
  readonly handlerNames: ReadonlyMap<FuseOp, string>;
}
