import { FuseNativeHandles } from './fuse-native.handles';

describe('FuseNativeHandles', () => {
  it('gives each open a new non-zero number and forgets it on remove', async () => {
    const handles = new FuseNativeHandles();
    const first = handles.add(10, 100);
    const second = handles.add(11, 101);
    expect(first).toBeGreaterThan(0);
    expect(second).not.toBe(first);
    expect(await handles.with(second, async (open) => open)).toEqual({ ino: 11, fh: 101 });
    expect(handles.remove(first)).toEqual({ ino: 10, fh: 100 });
    expect(handles.get(first)).toBeUndefined();
    expect(handles.remove(first)).toBeUndefined();
    await expect(handles.with(first, async () => 'reached')).rejects.toMatchObject({ code: 'EBADF' });
  });
});
