import type { FileKind } from '../fuse';

/** What a listing said of one name: enough to answer a lookup of it. */
export interface ListedName {
  kind: FileKind;
  size: number;
  /** The object's LastModified, in milliseconds (0 for a directory). */
  mtimeMs: number;
  etag: string;
}

const KINDS: FileKind[] = ['file', 'dir', 'symlink', 'fifo', 'socket', 'char', 'block'];
const INITIAL_CAPACITY = 1024;

/**
 * The names one listing returned, in compact form: a map from name to a slot in typed arrays, about 150 bytes a name
 * with its ETag (a listing's entry objects cost about 1 KB each). Holds at most `capacity` names; past that,
 * {@link add} returns false and keeps nothing.
 */
export class ListedNames {
  private readonly slots = new Map<string, number>();
  private kinds = new Uint8Array(INITIAL_CAPACITY);
  private sizes = new Float64Array(INITIAL_CAPACITY);
  private mtimes = new Float64Array(INITIAL_CAPACITY);
  private readonly etags: string[] = [];

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.slots.size;
  }

  add(name: string, listed: ListedName): boolean {
    if (this.slots.has(name)) return true;
    if (this.slots.size >= this.capacity) return false;
    const slot = this.slots.size;
    if (slot === this.kinds.length) this.grow();
    this.slots.set(name, slot);
    this.kinds[slot] = KINDS.indexOf(listed.kind);
    this.sizes[slot] = listed.size;
    this.mtimes[slot] = listed.mtimeMs;
    this.etags[slot] = listed.etag;
    return true;
  }

  get(name: string): ListedName | undefined {
    const slot = this.slots.get(name);
    if (slot === undefined) return undefined;
    return { kind: KINDS[this.kinds[slot]], size: this.sizes[slot], mtimeMs: this.mtimes[slot], etag: this.etags[slot] };
  }

  has(name: string): boolean {
    return this.slots.has(name);
  }

  private grow(): void {
    const length = this.kinds.length * 2;
    const kinds = new Uint8Array(length);
    kinds.set(this.kinds);
    const sizes = new Float64Array(length);
    sizes.set(this.sizes);
    const mtimes = new Float64Array(length);
    mtimes.set(this.mtimes);
    [this.kinds, this.sizes, this.mtimes] = [kinds, sizes, mtimes];
  }
}
