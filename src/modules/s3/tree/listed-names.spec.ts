import { ListedNames, ListedNamesBudget } from './listed-names';

describe('ListedNames', () => {
  it('keeps what a lookup needs of each name, past its first allocation', () => {
    const names = new ListedNames(new ListedNamesBudget(10_000));
    for (let i = 0; i < 5_000; i++) names.add(`f${i}`, { kind: 'file', size: i, mtimeMs: 1_700_000_000_000 + i, etag: `"e${i}"` });
    names.add('d', { kind: 'dir', size: 0, mtimeMs: 0, etag: '' });
    expect(names.size).toBe(5_001);
    expect(names.get('f4321')).toEqual({ kind: 'file', size: 4321, mtimeMs: 1_700_000_004_321, etag: '"e4321"' });
    expect(names.get('d')?.kind).toBe('dir');
    expect(names.has('f0')).toBe(true);
    expect(names.get('nope')).toBeUndefined();
  });

  it('holds no more than its capacity, and says so', () => {
    const names = new ListedNames(new ListedNamesBudget(2));
    expect([names.add('a', file()), names.add('b', file()), names.add('c', file()), names.add('a', file())]).toEqual([true, true, false, true]);
    expect([names.has('c'), names.size]).toEqual([false, 2]);
  });

  it('shares its budget with the other listings drawing on it, and gives its names back when released', () => {
    const budget = new ListedNamesBudget(3);
    const first = new ListedNames(budget);
    const second = new ListedNames(budget);
    expect([first.add('a', file()), first.add('b', file()), second.add('c', file()), second.add('d', file())]).toEqual([true, true, true, false]);
    first.release();
    expect([budget.inUse, first.has('a'), first.add('e', file())]).toEqual([1, false, false]);
    expect([second.add('d', file()), second.add('e', file()), second.add('f', file())]).toEqual([true, true, false]);
  });
});

function file(): { kind: 'file'; size: number; mtimeMs: number; etag: string } {
  return { kind: 'file', size: 1, mtimeMs: 0, etag: '"e"' };
}
