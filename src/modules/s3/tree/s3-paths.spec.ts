import { childName, joinPath, splitPath } from './s3-paths';

describe('S3 paths', () => {
  it('joins a name onto the root and onto a directory', () => {
    expect(joinPath('', 'a')).toBe('a');
    expect(joinPath('a/b', 'c')).toBe('a/b/c');
  });

  it('splits a path into its directory and last name', () => {
    expect(splitPath('a')).toEqual({ dir: '', name: 'a' });
    expect(splitPath('a/b/c')).toEqual({ dir: 'a/b', name: 'c' });
  });

  it('names only direct children of a directory', () => {
    expect(childName('', 'a')).toBe('a');
    expect(childName('', 'a/b')).toBeUndefined();
    expect(childName('a', 'a/b')).toBe('b');
    expect(childName('a', 'ab/c')).toBeUndefined();
    expect(childName('a', 'a/b/c')).toBeUndefined();
    expect(childName('a', 'a')).toBeUndefined();
  });
});
