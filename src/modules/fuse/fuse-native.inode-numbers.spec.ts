import { FuseNativeInodeNumbers, NARROWED_BASE } from './fuse-native.inode-numbers';

describe('FuseNativeInodeNumbers', () => {
  it('passes numbers below the narrowed range as they are', () => {
    const numbers = new FuseNativeInodeNumbers();
    expect([1, 2, 1234, NARROWED_BASE - 1].map((ino) => numbers.of(ino))).toEqual([1, 2, 1234, NARROWED_BASE - 1]);
  });

  it('gives each larger number its own uint32, the same one every time', () => {
    const numbers = new FuseNativeInodeNumbers();
    const large = [2 ** 40 + 1, 2 ** 52 + 7, NARROWED_BASE, 2 ** 32 + (NARROWED_BASE - 1)];
    const narrowed = large.map((ino) => numbers.of(ino));
    expect(new Set(narrowed).size).toBe(large.length);
    for (const number of narrowed) expect(number).toBeGreaterThanOrEqual(NARROWED_BASE);
    for (const number of narrowed) expect(number).toBeLessThanOrEqual(0xffff_ffff);
    expect(large.map((ino) => numbers.of(ino))).toEqual(narrowed);
  });
});
