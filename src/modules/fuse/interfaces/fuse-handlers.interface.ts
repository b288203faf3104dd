import type { FuseOp } from '../fuse.constants';
import type { CreateReply, DirEntry, Entry, Fh, FileAttr, Ino, OpenReply, SetAttrChanges, FsStats, RequestContext } from './file-attr.interface';

/*
 * Every handler gets, as its last argument, the {@link RequestContext} of the process that made the request: handlers
 * that need it (to make new files owned by the caller, say) declare it, and the others leave it out.
 */

/** Resolve `name` in directory `parent`. Throw `FsError.notFound()` when it does not exist. */
export type LookupHandler = (parent: Ino, name: string, context: RequestContext) => Promise<Entry>;
/** Attributes of `ino`; `fh` is set when the caller holds an open handle. */
export type GetAttrHandler = (ino: Ino, fh: Fh | undefined, context: RequestContext) => Promise<FileAttr>;
/**
 * Entries of directory `ino` starting after `offset` (0 for the first call). Return an empty array at the end.
 * `.` and `..` are added by the module.
 */
export type ReadDirHandler = (ino: Ino, fh: Fh, offset: number, context: RequestContext) => Promise<DirEntry[]>;
export type OpenHandler = (ino: Ino, flags: number, context: RequestContext) => Promise<OpenReply>;
/**
 * Up to `size` bytes at `offset`; fewer only at end of file. `scratch`, when given, is a buffer of at least `size`
 * bytes the handler may read into and return a slice of (no allocation per read); it is the handler's only until its
 * promise settles. Returning any other Buffer is fine too.
 */
export type ReadHandler = (ino: Ino, fh: Fh, offset: number, size: number, scratch: Buffer | undefined, context: RequestContext) => Promise<Buffer>;
export type ReleaseHandler = (ino: Ino, fh: Fh, flags: number, context: RequestContext) => Promise<void>;
export type CreateHandler = (parent: Ino, name: string, mode: number, flags: number, context: RequestContext) => Promise<CreateReply>;
/**
 * Write `data` at `offset`; resolve with the number of bytes written. `data` is reused for later requests once the
 * promise settles (no allocation per write): copy whatever part of it the filesystem keeps.
 */
export type WriteHandler = (ino: Ino, fh: Fh, offset: number, data: Buffer, context: RequestContext) => Promise<number>;
export type FlushHandler = (ino: Ino, fh: Fh, context: RequestContext) => Promise<void>;
export type FsyncHandler = (ino: Ino, fh: Fh, datasync: boolean, context: RequestContext) => Promise<void>;
/** Apply `changes` (truncate, chmod, chown, utimens) and resolve with the new attributes. */
export type SetAttrHandler = (ino: Ino, changes: SetAttrChanges, fh: Fh | undefined, context: RequestContext) => Promise<FileAttr>;
export type MkDirHandler = (parent: Ino, name: string, mode: number, context: RequestContext) => Promise<Entry>;
export type UnlinkHandler = (parent: Ino, name: string, context: RequestContext) => Promise<void>;
export type RmDirHandler = (parent: Ino, name: string, context: RequestContext) => Promise<void>;
export type RenameHandler = (parent: Ino, name: string, newParent: Ino, newName: string, flags: number, context: RequestContext) => Promise<void>;
export type SymlinkHandler = (parent: Ino, name: string, target: string, context: RequestContext) => Promise<Entry>;
export type ReadLinkHandler = (ino: Ino, context: RequestContext) => Promise<string>;
export type LinkHandler = (ino: Ino, newParent: Ino, newName: string, context: RequestContext) => Promise<Entry>;
export type StatFsHandler = (ino: Ino, context: RequestContext) => Promise<FsStats>;
/** Check `mask` (R_OK/W_OK/X_OK/F_OK) for the calling user; throw `FsError.accessDenied()` to refuse. */
export type AccessHandler = (ino: Ino, mask: number, context: RequestContext) => Promise<void>;
/** The value of attribute `name`; throw `FsError.noAttribute()` when it is not set. */
export type GetXattrHandler = (ino: Ino, name: string, context: RequestContext) => Promise<Buffer>;
export type SetXattrHandler = (ino: Ino, name: string, value: Buffer, flags: number, context: RequestContext) => Promise<void>;
export type ListXattrHandler = (ino: Ino, context: RequestContext) => Promise<string[]>;
export type RemoveXattrHandler = (ino: Ino, name: string, context: RequestContext) => Promise<void>;
export type OpenDirHandler = (ino: Ino, flags: number, context: RequestContext) => Promise<OpenReply>;
export type MkNodHandler = (parent: Ino, name: string, mode: number, rdev: number, context: RequestContext) => Promise<Entry>;
export type FallocateHandler = (ino: Ino, fh: Fh, offset: number, length: number, mode: number, context: RequestContext) => Promise<void>;
export type LseekHandler = (ino: Ino, fh: Fh, offset: number, whence: number, context: RequestContext) => Promise<number>;
export type CopyFileRangeHandler = (
  ino: Ino,
  fh: Fh,
  offset: number,
  outIno: Ino,
  outFh: Fh,
  outOffset: number,
  length: number,
  flags: number,
  context: RequestContext,
) => Promise<number>;
export type ExchangeHandler = (parent: Ino, name: string, newParent: Ino, newName: string, context: RequestContext) => Promise<void>;
export type ForgetHandler = (ino: Ino, context: RequestContext) => Promise<void>;
export type ReleaseDirHandler = (ino: Ino, fh: Fh, context: RequestContext) => Promise<void>;

/** The handler signature each op's decorator accepts. */
export interface FuseHandlerSignatures {
  [FuseOp.Lookup]: LookupHandler;
  [FuseOp.GetAttr]: GetAttrHandler;
  [FuseOp.ReadDir]: ReadDirHandler;
  [FuseOp.Open]: OpenHandler;
  [FuseOp.Read]: ReadHandler;
  [FuseOp.Release]: ReleaseHandler;
  [FuseOp.Create]: CreateHandler;
  [FuseOp.Write]: WriteHandler;
  [FuseOp.Flush]: FlushHandler;
  [FuseOp.Fsync]: FsyncHandler;
  [FuseOp.SetAttr]: SetAttrHandler;
  [FuseOp.MkDir]: MkDirHandler;
  [FuseOp.Unlink]: UnlinkHandler;
  [FuseOp.RmDir]: RmDirHandler;
  [FuseOp.Rename]: RenameHandler;
  [FuseOp.Symlink]: SymlinkHandler;
  [FuseOp.ReadLink]: ReadLinkHandler;
  [FuseOp.Link]: LinkHandler;
  [FuseOp.StatFs]: StatFsHandler;
  [FuseOp.Access]: AccessHandler;
  [FuseOp.GetXattr]: GetXattrHandler;
  [FuseOp.SetXattr]: SetXattrHandler;
  [FuseOp.ListXattr]: ListXattrHandler;
  [FuseOp.RemoveXattr]: RemoveXattrHandler;
  [FuseOp.OpenDir]: OpenDirHandler;
  [FuseOp.ReleaseDir]: ReleaseDirHandler;
  [FuseOp.Forget]: ForgetHandler;
  [FuseOp.MkNod]: MkNodHandler;
  [FuseOp.Fallocate]: FallocateHandler;
  [FuseOp.Lseek]: LseekHandler;
  [FuseOp.CopyFileRange]: CopyFileRangeHandler;
  [FuseOp.Exchange]: ExchangeHandler;
}

/** The discovered handlers of one filesystem, bound to its instance. */
export type FuseOpTable = { readonly [K in FuseOp]?: FuseHandlerSignatures[K] };
