/** Where each part of `size` bytes cut every `partSize` bytes starts: 0, partSize, 2 × partSize, … (none for 0 bytes). */
export function offsetsOf(size: number, partSize: number): number[] {
  const offsets: number[] = [];
  for (let offset = 0; offset < size; offset += partSize) offsets.push(offset);
  return offsets;
}
