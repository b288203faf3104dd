import type { FileKind } from '../../fuse';

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

/** How many names the listings drawing on it may hold together: one per mount for its open listings. */
export class ListedNamesBudget {
  private used = 0;

  constructor(readonly capacity: number) {}

  get inUse(): number {
    return this.used;
  }

  take(): boolean {
    if (this.used >= this.capacity) return false;
    this.used += 1;
    return true;
  }

  giveBack(count: number): void {
    this.used = Math.max(0, this.used - count);
  }
}

/**
 * The names one listing returned, in compact form: a map from name to a slot in typed arrays, about 150 bytes a name
 * with its ETag (a listing's entry objects cost about 1 KB each). Each name is taken from a budget; when the budget
 * is spent, {@link add} returns false and keeps nothing. {@link release} gives every name back.
 */
export class ListedNames {
  private readonly slots = new Map<string, number>();
  private kinds = new Uint8Array(INITIAL_CAPACITY);
  private sizes = new Float64Array(INITIAL_CAPACITY);
  private mtimes = new Float64Array(INITIAL_CAPACITY);
  private etags: string[] = [];
  private released = false;

  constructor(private readonly budget: ListedNamesBudget) {}

  get size(): number {
    return this.slots.size;
  }

  add(name: string, listed: ListedName): boolean {
    if (this.slots.has(name)) return true;
    if (this.released || !this.budget.take()) return false;
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

  /** Forgets every name and gives them back to the budget; nothing is added afterwards. */
  release(): void {
    this.released = true;
    this.budget.giveBack(this.slots.size);
    this.slots.clear();
    this.kinds = new Uint8Array(INITIAL_CAPACITY);
    this.sizes = new Float64Array(INITIAL_CAPACITY);
    this.mtimes = new Float64Array(INITIAL_CAPACITY);
    this.etags = [];
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
