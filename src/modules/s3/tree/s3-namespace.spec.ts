import { FsError, ROOT_INO } from '../../fuse';
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

  describe('past its limit', () => {
    const files = (count: number, parent = ROOT_INO) => Array.from({ length: count }, (_, i) => namespace.inodeOf(parent, `f${i}`, 'file'));

    it('hands the oldest files back to the kernel, down to 90 % of the limit, once', () => {
      const dir = namespace.inodeOf(ROOT_INO, 'old-dir', 'dir');
      files(20);
      const released: string[] = [];
      namespace.releaseOldest(10, (parent, name) => released.push(`${parent}/${name}`) > 0);
      // 22 known (the root and a directory among them, which stay): 13 files go, leaving 9.
      expect(released).toEqual(Array.from({ length: 13 }, (_, i) => `${ROOT_INO}/f${i}`));
      namespace.releaseOldest(10, (parent, name) => released.push(`${parent}/${name}`) > 0);
      expect(released).toHaveLength(13);
      expect(namespace.pathOf(dir)).toBe('old-dir');
    });

    it('keeps what the kernel takes back, and drops what it forgets', () => {
      const inos = files(20);
      namespace.releaseOldest(10, () => true);
      expect(namespace.inodeOf(ROOT_INO, 'f0', 'file')).toBe(inos[0]);
      for (const ino of inos.slice(1, 13)) namespace.forget(ino);
      // Forgotten but not dropped yet: counted once, so two more files push it past the limit again.
      for (const name of ['g1', 'g2']) namespace.inodeOf(ROOT_INO, name, 'file');
      const again: string[] = [];
      namespace.releaseOldest(10, (parent, name) => again.push(name) > 0);
      expect(again).toEqual(['f13', 'f14']);
      now += 2_001;
      const released: string[] = [];
      namespace.releaseOldest(10, (parent, name) => released.push(name) > 0);
      expect([namespace.size, released]).toEqual([11, []]);
    });

    it('hands back what it answered least recently, not a name it just answered again', () => {
      files(20);
      namespace.inodeOf(ROOT_INO, 'f0', 'file');
      const released: string[] = [];
      namespace.releaseOldest(10, (_parent, name) => released.push(name) > 0);
      expect(released).toEqual(Array.from({ length: 12 }, (_, i) => `f${i + 1}`));
    });

    it('stops at the first refusal (no kernel to tell): nothing is marked on its way out', () => {
      files(20);
      let asked = 0;
      namespace.releaseOldest(10, () => (asked++, false));
      namespace.releaseOldest(10, () => (asked++, false));
      expect(asked).toBe(2);
    });
  });
});
