import { FsError } from './errors/fs-error';
import type { FilesystemSession } from './filesystem-session';
import type { FuseNativeHandles } from './fuse-native.handles';
import type { RequestBufferPool } from './request-buffer.pool';

/**
 * A fuse-native mount's read path. When the binding lends the kernel's read buffer (the one
 * scripts/build-fuse-native.js builds), the handler reads straight into it: that memory outlives an early answer, so a
 * handler still writing to it past its deadline harms nothing. fuse-native's prebuilt binary hands over libfuse's own
 * memory, freed the moment we answer — a deadline can come first — so there the handler fills a pooled buffer, which
 * is then copied.
 */
export class FuseNativeReads {
  constructor(
    private readonly session: FilesystemSession,
    private readonly handles: FuseNativeHandles,
    private readonly buffers: RequestBufferPool,
  ) {}

  /** Reads `len` bytes at `pos` of kernel handle `fd` into `buf`; answers the byte count or a negative errno. */
  read(fd: number, buf: Buffer, len: number, pos: number, lendable: boolean, answer: (result: number) => void): void {
    const open = this.handles.get(fd);
    if (!open) return answer(-FsError.badHandle().errno);
    const into = lendable ? buf : this.buffers.take(len);
    this.session.readWith(open.ino, open.fh, pos, len, into, (error, data) => {
      let result: number;
      if (error) {
        result = -error.errno;
      } else {
        const bytes = data as Buffer;
        const inPlace = bytes.buffer === buf.buffer && bytes.byteOffset === buf.byteOffset;
        result = inPlace ? bytes.length : bytes.copy(buf, 0, 0, Math.min(len, bytes.length));
      }
      if (!lendable) this.buffers.give(into, error);
      answer(result);
    });
  }
}
