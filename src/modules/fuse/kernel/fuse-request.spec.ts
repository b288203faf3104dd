import { FsError } from '../errors/fs-error';
import { FuseOpcode } from './fuse-protocol';
import { FuseRequest } from './fuse-request';

/** A request as the kernel lays it out: the 40-byte header, then the op's arguments. */
function request(opcode: number, nodeid: number, args: Buffer): Buffer {
  const header = Buffer.alloc(40);
  header.writeUInt32LE(40 + args.length, 0);
  header.writeUInt32LE(opcode, 4);
  header.writeBigUInt64LE(77n, 8);
  header.writeBigUInt64LE(BigInt(nodeid), 16);
  header.writeUInt32LE(1000, 24);
  header.writeUInt32LE(1001, 28);
  header.writeUInt32LE(4242, 32);
  return Buffer.concat([header, args]);
}

describe('FuseRequest', () => {
  it('reads the header: opcode, unique, node, and the caller', () => {
    const parsed = new FuseRequest(request(FuseOpcode.Lookup, 5, Buffer.from('name\0')));
    expect(parsed).toMatchObject({ opcode: FuseOpcode.Lookup, unique: 77n, nodeid: 5, uid: 1000, gid: 1001, pid: 4242 });
    expect(parsed.name()).toBe('name');
  });

  it('reads numbers and two names in a row, as RENAME sends them', () => {
    const args = Buffer.alloc(8);
    args.writeBigUInt64LE(9n, 0);
    const parsed = new FuseRequest(request(FuseOpcode.Rename, 1, Buffer.concat([args, Buffer.from('old\0new name\0')])));
    expect([parsed.u64(), parsed.name(), parsed.name()]).toEqual([9, 'old', 'new name']);
  });

  it('refuses to read past the request, or a name without its NUL', () => {
    const parsed = new FuseRequest(request(FuseOpcode.GetAttr, 1, Buffer.alloc(4)));
    parsed.u32();
    expect(() => parsed.u64()).toThrow(FsError);
    expect(() => new FuseRequest(request(FuseOpcode.Lookup, 1, Buffer.from('abc'))).name()).toThrow(/NUL/);
    expect(() => new FuseRequest(Buffer.alloc(12))).toThrow(/shorter than its header/);
  });

  it("hands out a write's data without copying it", () => {
    const bytes = request(FuseOpcode.Write, 1, Buffer.from('payload'));
    const data = new FuseRequest(bytes).bytes(7);
    expect(data.toString()).toBe('payload');
    expect(data.buffer).toBe(bytes.buffer);
  });
});
