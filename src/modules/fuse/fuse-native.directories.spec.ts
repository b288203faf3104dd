import type { FilesystemSession } from './filesystem-session';
import { FuseNativeDirectories } from './fuse-native.directories';

/** A session whose listings are numbered, and which records which are open. */
function session(): { session: FilesystemSession; open: Set<number> } {
  const open = new Set<number>();
  let next = 1;
  const fake = {
    opendir: async () => {
      open.add(next);
      return next++;
    },
    readdirAll: async (_ino: number, fh: number) => [{ ino: 10 + fh, name: `listed-by-${fh}`, kind: 'file', offset: 1 }],
    releasedir: async (_ino: number, fh: number) => void open.delete(fh),
  };
  return { session: fake as unknown as FilesystemSession, open };
}

describe('FuseNativeDirectories', () => {
  it('lists afresh at every readdir and keeps the last listing open until libfuse releases the path', async () => {
    const { session: s, open } = session();
    const directories = new FuseNativeDirectories(s);
    directories.opened('/d');
    directories.opened('/d');
    expect((await directories.entries('/d', 5)).map((entry) => entry.name)).toEqual(['listed-by-1']);
    expect([...open]).toEqual([1]);
    // Another program's readdir of the same path sees a new listing; the older one is let go.
    expect((await directories.entries('/d', 5)).map((entry) => entry.name)).toEqual(['listed-by-2']);
    expect([...open]).toEqual([2]);
    await directories.released('/d');
    expect([...open]).toEqual([2]);
    await directories.released('/d');
    expect([...open]).toEqual([]);
  });

  it('lets go of a listing at once where libfuse has not opened the path', async () => {
    const { session: s, open } = session();
    const directories = new FuseNativeDirectories(s);
    await directories.entries('/e', 6);
    expect([...open]).toEqual([]);
    await directories.released('/e');
  });
});
