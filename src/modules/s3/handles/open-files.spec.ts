import { FsError } from '../../fuse';
import type { ObjectReader } from '../read/object-reader';
import { OpenFiles } from './open-files';

const readerOf = (version: string): ObjectReader => ({ object: { key: 'k', etag: version, size: 0 } }) as unknown as ObjectReader;

describe('OpenFiles', () => {
  it('answers EBADF for a handle that is not open, and for writing through one opened for reading', () => {
    const files = new OpenFiles();
    const fh = files.add({ ino: 2, path: 'a', reader: readerOf('v1') });
    expect(() => files.fileOf(fh + 1)).toThrow(FsError);
    expect(() => files.writerOf(fh)).toThrow('the file is not open for writing');
    files.remove(fh);
    expect(files.get(fh)).toBeUndefined();
    expect(() => files.fileOf(fh)).toThrow(FsError);
  });

  it('gives every handle a number of its own, never one given before', () => {
    const files = new OpenFiles();
    const first = files.add({ ino: 2, path: 'a' });
    files.remove(first);
    expect(files.add({ ino: 2, path: 'a' })).not.toBe(first);
  });

  it('moves each reader of a path to the version uploaded through the mount, and no other handle', () => {
    const files = new OpenFiles();
    const a1 = files.add({ ino: 2, path: 'a', reader: readerOf('v1') });
    const a2 = files.add({ ino: 2, path: 'a', reader: readerOf('v1') });
    const b = files.add({ ino: 3, path: 'b', reader: readerOf('v1') });
    files.followUpload('a', () => readerOf('v2'));
    expect(files.get(a1)?.reader?.object.etag).toBe('v2');
    expect(files.get(a2)?.reader?.object.etag).toBe('v2');
    expect(files.get(a1)?.reader).not.toBe(files.get(a2)?.reader);
    expect(files.get(b)?.reader?.object.etag).toBe('v1');
  });
});
