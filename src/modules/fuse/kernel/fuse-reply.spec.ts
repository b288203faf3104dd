import type { FileAttr } from '../interfaces/file-attr.interface';
import { DT_DIR, DT_REG } from './fuse-protocol';
import { attrOut, DirentBuffer, entryOut, invalEntryOut, invalInodeOut, outHeader, validity } from './fuse-reply';

const attr: FileAttr = {
  ino: 2 ** 40 + 3,
  size: 5_000_000_000,
  blocks: 9,
  atime: new Date('2026-01-02T03:04:05.678Z'),
  mtime: new Date('1969-12-31T23:59:59.250Z'),
  ctime: new Date(0),
  kind: 'file',
  perm: 0o4755,
  nlink: 3,
  uid: 1000,
  gid: 100,
};

describe('FUSE replies', () => {
  it('frames a reply: total length, negative errno, and the request it answers', () => {
    const header = outHeader(123n, -2, 10);
    expect([header.readUInt32LE(0), header.readInt32LE(4), header.readBigUInt64LE(8)]).toEqual([26, -2, 123n]);
  });

  it('encodes attributes: 64-bit inode and size, type bits with the mode, times as seconds and nanoseconds', () => {
    const body = attrOut(attr, validity(1.5));
    expect([body.readBigUInt64LE(0), body.readUInt32LE(8)]).toEqual([1n, 500_000_000]);
    const at = 16;
    expect(body.readBigUInt64LE(at)).toBe(BigInt(2 ** 40 + 3));
    expect(body.readBigUInt64LE(at + 8)).toBe(5_000_000_000n);
    expect([body.readBigInt64LE(at + 24), body.readUInt32LE(at + 48)]).toEqual([BigInt(Date.parse('2026-01-02T03:04:05Z') / 1000), 678_000_000]);
    // Before the epoch: -1 s + 250 ms, as timespec has it.
    expect([body.readBigInt64LE(at + 32), body.readUInt32LE(at + 52)]).toEqual([-1n, 250_000_000]);
    expect(body.readUInt32LE(at + 60)).toBe(0o104755);
    expect([body.readUInt32LE(at + 64), body.readUInt32LE(at + 68), body.readUInt32LE(at + 72), body.readUInt32LE(at + 80)]).toEqual([
      3, 1000, 100, 4096,
    ]);
  });

  it('gives an entry its node id and both validities', () => {
    const body = entryOut({ ...attr, kind: 'dir', perm: 0o755 }, validity(2), validity(0.25));
    expect(body.length).toBe(128);
    expect(body.readBigUInt64LE(0)).toBe(BigInt(attr.ino));
    expect([body.readBigUInt64LE(16), body.readBigUInt64LE(24), body.readUInt32LE(32), body.readUInt32LE(36)]).toEqual([2n, 0n, 0, 250_000_000]);
    expect(body.readUInt32LE(40 + 60)).toBe(0o040755);
  });

  it('packs directory entries 8-byte aligned, and only whole ones', () => {
    const out = new DirentBuffer(64, false);
    expect(out.add(7, 'abc', DT_REG, 1)).toBe(true); // 24 + 3 → 32
    expect(out.add(8, 'defghijk', DT_DIR, 2)).toBe(true); // 24 + 8 → 32
    expect(out.add(9, 'x', DT_REG, 3)).toBe(false);
    const body = out.contents();
    expect(body.length).toBe(64);
    expect([body.readBigUInt64LE(0), body.readBigUInt64LE(8), body.readUInt32LE(16), body.readUInt32LE(20)]).toEqual([7n, 1n, 3, DT_REG]);
    expect(body.toString('utf8', 24, 27)).toBe('abc');
    expect(body.toString('utf8', 56, 64)).toBe('defghijk');
  });

  it('puts an entry before each READDIRPLUS name, with node id 0 when the name comes without attributes', () => {
    const out = new DirentBuffer(4096, true);
    out.add(5, 'with', DT_REG, 1, { attr: { ...attr, ino: 5 }, entry: validity(1), attrValid: validity(1) });
    out.add(6, 'without', DT_REG, 2);
    const body = out.contents();
    expect(body.readBigUInt64LE(0)).toBe(5n);
    const second = 128 + 24 + 8;
    expect(body.readBigUInt64LE(second)).toBe(0n);
    expect(body.readBigUInt64LE(second + 128)).toBe(6n);
    expect(body.toString('utf8', second + 128 + 24, second + 128 + 24 + 7)).toBe('without');
  });

  it('encodes the invalidation notices: an inode with a byte range, a name with its NUL', () => {
    const inode = invalInodeOut(9, 0, 0);
    expect([inode.readBigUInt64LE(0), inode.readBigInt64LE(8), inode.readBigInt64LE(16)]).toEqual([9n, 0n, 0n]);
    const entry = invalEntryOut(4, 'név');
    expect([entry.readBigUInt64LE(0), entry.readUInt32LE(8), entry.length]).toEqual([4n, 4, 16 + 4 + 1]);
    expect(entry.subarray(16).toString()).toBe('név\0');
  });

  it('carries the nanoseconds a filesystem gives beside its Dates', () => {
    const body = attrOut({ ...attr, mtime: new Date(1_600_000_000_123), mtimeNsec: 123_456_789 }, validity(1));
    expect([body.readBigInt64LE(16 + 32), body.readUInt32LE(16 + 52)]).toEqual([1_600_000_000n, 123_456_789]);
  });
});
