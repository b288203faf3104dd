import { FsError, ROOT_INO } from '../fuse';
import { S3Namespace } from './s3-namespace';

describe('S3Namespace', () => {
  let now: number;
  let namespace: S3Namespace;

  beforeEach(() => {
    now = 1_000_000;
    namespace = new S3Namespace(() => now);
  });

  it('keeps one number per path while the kernel holds it', () => {
    const dir = namespace.inodeOf(ROOT_INO, 'a', 'dir');
    const file = namespace.inodeOf(dir, 'b', 'file');
    expect(namespace.inodeOf(dir, 'b', 'file')).toBe(file);
    expect(namespace.pathOf(file)).toBe('a/b');
  });

  it('drops a forgotten inode once the grace time passed, so memory follows the kernel', () => {
    const inos = Array.from({ length: 1000 }, (_, i) => namespace.inodeOf(ROOT_INO, `key-${i}`, 'file'));
    expect(namespace.size).toBe(1001);
    for (const ino of inos) namespace.forget(ino);
    expect(namespace.size).toBe(1001);
    now += 2_001;
    const again = namespace.inodeOf(ROOT_INO, 'key-1', 'file');
    expect(namespace.size).toBe(2);
    expect(() => namespace.pathOf(inos[2])).toThrow(FsError);
    expect(again).not.toBe(inos[1]);
    expect(namespace.pathOf(again)).toBe('key-1');
  });

  it('takes an inode back when a lookup answers it within the grace time', () => {
    const ino = namespace.inodeOf(ROOT_INO, 'kept', 'file');
    namespace.forget(ino);
    now += 1_000;
    expect(namespace.inodeOf(ROOT_INO, 'kept', 'file')).toBe(ino);
    now += 5_000;
    namespace.forget(namespace.inodeOf(ROOT_INO, 'other', 'file'));
    now += 5_000;
    namespace.inodeOf(ROOT_INO, 'third', 'file');
    expect(namespace.pathOf(ino)).toBe('kept');
  });

  it('drops what is known below a forgotten directory with it', () => {
    const dir = namespace.inodeOf(ROOT_INO, 'dir', 'dir');
    const listedOnly = namespace.inodeOf(dir, 'child', 'file');
    namespace.forget(dir);
    now += 2_001;
    namespace.inodeOf(ROOT_INO, 'unrelated', 'file');
    expect(() => namespace.pathOf(listedOnly)).toThrow(FsError);
    expect(namespace.size).toBe(2);
  });

  it('never forgets the root', () => {
    namespace.forget(ROOT_INO);
    now += 10_000;
    namespace.forget(ROOT_INO);
    expect(namespace.pathOf(ROOT_INO)).toBe('');
  });
});
