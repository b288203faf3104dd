import { FuseOp } from '../fuse.constants';
import { createFuseOpDecorator } from './fuse-op.decorator';

/**
 * `(parent, name, mode, rdev) → Entry`: make a special file — `mode` carries its type (S_IFIFO, S_IFSOCK, S_IFCHR,
 * S_IFBLK) with its permission bits, `rdev` the device of a device node. Kernel transport only.
 */
export const MkNod = createFuseOpDecorator(FuseOp.MkNod);
/** `(ino, fh, offset, length, mode)`: fallocate(2) — preallocate, or with `mode` punch a hole or zero a range. */
export const Fallocate = createFuseOpDecorator(FuseOp.Fallocate);
/** `(ino, fh, offset, whence) → offset`: where the next data (SEEK_DATA, 3) or hole (SEEK_HOLE, 4) begins. */
export const Lseek = createFuseOpDecorator(FuseOp.Lseek);
/**
 * `(ino, fh, offset, outIno, outFh, outOffset, length, flags) → bytes copied`: copy_file_range(2) within the
 * filesystem, without the data passing through the caller.
 */
export const CopyFileRange = createFuseOpDecorator(FuseOp.CopyFileRange);
/** `(parent, name, newParent, newName)`: swap two existing names atomically (`renameat2` with RENAME_EXCHANGE). */
export const Exchange = createFuseOpDecorator(FuseOp.Exchange);
/** `(parent, name) → Entry`: resolve a name in a directory. Required. */
export const Lookup = createFuseOpDecorator(FuseOp.Lookup);
/** `(ino, fh?) → FileAttr`: attributes of an inode. Required. */
export const GetAttr = createFuseOpDecorator(FuseOp.GetAttr);
/** `(ino, fh, offset) → DirEntry[]`: one page of a directory, empty at the end. Required. */
export const ReadDir = createFuseOpDecorator(FuseOp.ReadDir);
/** `(ino, flags) → { fh }`: open a file. Optional: without it reads get `fh` 0. */
export const Open = createFuseOpDecorator(FuseOp.Open);
/** `(ino, fh, offset, size) → Buffer`: read bytes. Required. */
export const Read = createFuseOpDecorator(FuseOp.Read);
/** `(ino, fh, flags)`: the last close of an open file. */
export const Release = createFuseOpDecorator(FuseOp.Release);
/** `(parent, name, mode, flags) → { entry, fh }`: create and open a regular file. */
export const Create = createFuseOpDecorator(FuseOp.Create);
/** `(ino, fh, offset, data) → bytes written`. */
export const Write = createFuseOpDecorator(FuseOp.Write);
/** `(ino, fh)`: called on every `close(2)` of a descriptor; report deferred write errors here. */
export const Flush = createFuseOpDecorator(FuseOp.Flush);
/** `(ino, fh, datasync)`: make written data durable. */
export const Fsync = createFuseOpDecorator(FuseOp.Fsync);
/** `(ino, changes, fh?) → FileAttr`: truncate, chmod, chown, utimens. */
export const SetAttr = createFuseOpDecorator(FuseOp.SetAttr);
/** `(parent, name, mode) → Entry`. */
export const MkDir = createFuseOpDecorator(FuseOp.MkDir);
/** `(parent, name)`: remove a file or symlink. */
export const Unlink = createFuseOpDecorator(FuseOp.Unlink);
/** `(parent, name)`: remove an empty directory. */
export const RmDir = createFuseOpDecorator(FuseOp.RmDir);
/** `(parent, name, newParent, newName, flags)`: replaces an existing target. */
export const Rename = createFuseOpDecorator(FuseOp.Rename);
/** `(parent, name, target) → Entry`: create a symbolic link. */
export const Symlink = createFuseOpDecorator(FuseOp.Symlink);
/** `(ino) → target`. */
export const ReadLink = createFuseOpDecorator(FuseOp.ReadLink);
/** `(ino, newParent, newName) → Entry`: create a hard link. */
export const Link = createFuseOpDecorator(FuseOp.Link);
/** `(ino) → FsStats`: `df` figures. */
export const StatFs = createFuseOpDecorator(FuseOp.StatFs);
/** `(ino, mask)`: permission check for `access(2)`. */
export const Access = createFuseOpDecorator(FuseOp.Access);
/** `(ino, name) → Buffer`: throw `FsError.noAttribute()` when unset. */
export const GetXattr = createFuseOpDecorator(FuseOp.GetXattr);
/** `(ino, name, value, flags)`: flags are XATTR_CREATE (1) / XATTR_REPLACE (2). */
export const SetXattr = createFuseOpDecorator(FuseOp.SetXattr);
/** `(ino) → names`. */
export const ListXattr = createFuseOpDecorator(FuseOp.ListXattr);
/** `(ino, name)`. */
export const RemoveXattr = createFuseOpDecorator(FuseOp.RemoveXattr);
/** `(ino, flags) → { fh }`: open a directory for `readdir`; a good place to snapshot its entries. */
export const OpenDir = createFuseOpDecorator(FuseOp.OpenDir);
/** `(ino, fh)`: close a directory handle. */
export const ReleaseDir = createFuseOpDecorator(FuseOp.ReleaseDir);
/**
 * `(ino)`: the kernel holds no name of `ino` any more (kernel transport): what the filesystem keeps for it may go,
 * unless a later lookup answers it again. Never called on fuse-native.
 */
export const Forget = createFuseOpDecorator(FuseOp.Forget);
