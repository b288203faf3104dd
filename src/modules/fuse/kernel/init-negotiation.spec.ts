import { FuseOpcode, InitFlag, InitFlag2, MAX_PAGES, MAX_WRITE, PASSTHROUGH_MAX_STACK_DEPTH } from './fuse-protocol';
import { FuseRequest } from './fuse-request';
import { negotiateInit } from './init-negotiation';

function init(minor: number, flags: number, flags2 = 0): FuseRequest {
  const bytes = Buffer.alloc(40 + 64);
  bytes.writeUInt32LE(bytes.length, 0);
  bytes.writeUInt32LE(FuseOpcode.Init, 4);
  bytes.writeUInt32LE(7, 40);
  bytes.writeUInt32LE(minor, 44);
  bytes.writeUInt32LE(128 * 1024, 48);
  bytes.writeUInt32LE(flags >>> 0, 52);
  bytes.writeUInt32LE(flags2 >>> 0, 56);
  return new FuseRequest(bytes);
}

const EVERYTHING = 0xffff_ffff;

describe('negotiateInit', () => {
  it('answers the version both speak and asks for what this transport uses, no more than the kernel offers', () => {
    const { body, writeback } = negotiateInit(init(45, EVERYTHING), {});
    expect([body.readUInt32LE(0), body.readUInt32LE(4), body.readUInt32LE(8)]).toEqual([7, 38, 128 * 1024]);
    const flags = body.readUInt32LE(12);
    for (const flag of [
      InitFlag.ASYNC_READ,
      InitFlag.BIG_WRITES,
      InitFlag.DO_READDIRPLUS,
      InitFlag.PARALLEL_DIROPS,
      InitFlag.MAX_PAGES,
      InitFlag.AUTO_INVAL_DATA,
    ]) {
      expect(flags & flag).toBe(flag);
    }
    expect(flags & InitFlag.WRITEBACK_CACHE).toBe(0);
    // Every listing page with attributes: with READDIRPLUS_AUTO the kernel sends most pages of a large directory
    // without them and then looks up each name (find + stat ran at a third of the speed).
    expect(flags & InitFlag.READDIRPLUS_AUTO).toBe(0);
    expect(writeback).toBe(false);
    expect([body.readUInt32LE(20), body.readUInt16LE(28)]).toEqual([MAX_WRITE, MAX_PAGES]);
    expect(negotiateInit(init(45, InitFlag.ASYNC_READ), {}).body.readUInt32LE(12)).toBe(InitFlag.ASYNC_READ);
  });

  it("asks for the writeback cache only when the mount wants it, and the kernel's own invalidation only with pageCache auto", () => {
    expect(negotiateInit(init(45, EVERYTHING), { writebackCache: true }).writeback).toBe(true);
    expect(negotiateInit(init(45, EVERYTHING), { pageCache: 'keep' }).body.readUInt32LE(12) & InitFlag.AUTO_INVAL_DATA).toBe(0);
  });

  it('asks for passthrough when the kernel offers it (flags2), unless turned off or the writeback cache is wanted', () => {
    const offered = negotiateInit(init(45, EVERYTHING, EVERYTHING), {});
    expect(offered.passthrough).toBe(true);
    expect(offered.body.readUInt32LE(12) & InitFlag.INIT_EXT).toBe(InitFlag.INIT_EXT);
    expect([offered.body.readUInt32LE(32), offered.body.readUInt32LE(36)]).toEqual([InitFlag2.PASSTHROUGH, PASSTHROUGH_MAX_STACK_DEPTH]);
    for (const options of [{ passthrough: false }, { writebackCache: true }]) {
      const refused = negotiateInit(init(45, EVERYTHING, EVERYTHING), options);
      expect([refused.passthrough, refused.body.readUInt32LE(32), refused.body.readUInt32LE(36)]).toEqual([false, 0, 0]);
    }
    const notOffered = negotiateInit(init(45, EVERYTHING & ~InitFlag.INIT_EXT, EVERYTHING), {});
    expect([notOffered.passthrough, notOffered.body.readUInt32LE(12) & InitFlag.INIT_EXT]).toEqual([false, 0]);
  });

  it('refuses a kernel older than the structures it uses, with EPROTO', () => {
    expect(() => negotiateInit(init(26, EVERYTHING), {})).toThrow(/needs 7\.28 or newer/);
  });
});
