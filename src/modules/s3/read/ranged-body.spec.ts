import { allocatePieces, copyIntoPieces, expectedRangeLength } from './ranged-body';

describe('ranged bodies', () => {
  it('expects the range asked for, cut at the end of the object when the answer tells its size', () => {
    expect(expectedRangeLength(10, 19, undefined)).toBe(10);
    expect(expectedRangeLength(10, 19, 'bytes 10-14/15')).toBe(5);
    expect(expectedRangeLength(20, 29, 'bytes */15')).toBe(0);
  });

  it('copies chunks that straddle pieces of any sizes into place', () => {
    const pieces = allocatePieces(10, 4, (size) => Buffer.alloc(size));
    expect(pieces.map((piece) => piece.length)).toEqual([4, 4, 2]);
    const source = Buffer.from('xx0123456789');
    copyIntoPieces(pieces, 0, source, 2, 5);
    copyIntoPieces(pieces, 3, source, 5, 12);
    expect(Buffer.concat(pieces).toString()).toBe('0123456789');
  });
});
