/** Memory for `size` bytes of an answer's body (the block cache hands out the memory of evicted blocks). */
export type Allocate = (size: number) => Buffer;

/** A ranged GET: bytes `start`..`end` (inclusive) of `key`, received into pieces of `pieceSize` bytes from `allocate`. */
export interface RangeRequest {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  /** The version the bytes must come from (If-Match, and the answer's ETag is checked). */
  readonly etag: string | undefined;
  readonly pieceSize: number;
  readonly allocate: Allocate;
}

/**
 * The bytes a ranged GET of `start`..`end` (inclusive) must bring: the range, cut at the object's end when the
 * answer's Content-Range tells its total size.
 */
export function expectedRangeLength(start: number, end: number, contentRange: string | undefined): number {
  const total = /\/(\d+)$/.exec(contentRange ?? '');
  return total ? Math.max(0, Math.min(end - start + 1, Number(total[1]) - start)) : end - start + 1;
}

/** Buffers for a body of `length` bytes, `pieceSize` each (the last one shorter). */
export function allocatePieces(length: number, pieceSize: number, allocate: Allocate): Buffer[] {
  return Array.from({ length: Math.ceil(length / pieceSize) }, (_, i) => allocate(Math.min(pieceSize, length - i * pieceSize)));
}

/** Copies `source[from..to)` into the pieces, starting `offset` bytes into the body they hold together. */
export function copyIntoPieces(pieces: Buffer[], offset: number, source: Uint8Array, from: number, to: number): void {
  let index = 0;
  let at = offset;
  while (index < pieces.length && at >= pieces[index].length) at -= pieces[index++].length;
  for (let copied = from; copied < to; index++, at = 0) {
    const count = Math.min(to - copied, pieces[index].length - at);
    pieces[index].set(source.subarray(copied, copied + count), at);
    copied += count;
  }
}
