import { FsError } from '../errors/fs-error';
import { Size } from './fuse-protocol';

/**
 * One request read from /dev/fuse: its header, and a cursor over the op's arguments that follow it. Numbers above
 * 2^53 (none the kernel sends for a file smaller than 8 PiB) would lose precision; inode numbers and handles come back
 * as we gave them.
 */
export class FuseRequest {
  readonly opcode: number;
  readonly unique: bigint;
  readonly nodeid: number;
  readonly uid: number;
  readonly gid: number;
  readonly pid: number;
  private position: number;
  private readonly end: number;

  constructor(readonly buffer: Buffer) {
    if (buffer.length < Size.IN_HEADER) throw FsError.invalid(`a FUSE request of ${buffer.length} bytes is shorter than its header`);
    this.end = Math.min(buffer.length, buffer.readUInt32LE(0));
    this.opcode = buffer.readUInt32LE(4);
    this.unique = buffer.readBigUInt64LE(8);
    this.nodeid = Number(buffer.readBigUInt64LE(16));
    this.uid = buffer.readUInt32LE(24);
    this.gid = buffer.readUInt32LE(28);
    this.pid = buffer.readUInt32LE(32);
    // Extensions (security context, supplementary groups) follow the arguments; none is negotiated.
    this.position = Size.IN_HEADER;
  }

  u32(): number {
    this.need(4);
    const value = this.buffer.readUInt32LE(this.position);
    this.position += 4;
    return value;
  }

  u64(): number {
    this.need(8);
    const value = Number(this.buffer.readBigUInt64LE(this.position));
    this.position += 8;
    return value;
  }

  /** A 64-bit value that may not fit a double exactly (file handles we did not make, lock owners). */
  u64n(): bigint {
    this.need(8);
    const value = this.buffer.readBigUInt64LE(this.position);
    this.position += 8;
    return value;
  }

  skip(bytes: number): this {
    this.need(bytes);
    this.position += bytes;
    return this;
  }

  /** A NUL-terminated name. */
  name(): string {
    const nul = this.buffer.indexOf(0, this.position);
    if (nul < 0 || nul >= this.end) throw FsError.invalid('a FUSE request name is not NUL-terminated');
    const value = this.buffer.toString('utf8', this.position, nul);
    this.position = nul + 1;
    return value;
  }

  /** The next `length` bytes, without a copy. */
  bytes(length: number): Buffer {
    this.need(length);
    const value = this.buffer.subarray(this.position, this.position + length);
    this.position += length;
    return value;
  }

  private need(bytes: number): void {
    if (this.position + bytes > this.end) throw FsError.invalid(`FUSE request ${this.opcode} is shorter than its arguments`);
  }
}
