import { MountOptionsException } from './errors/mount-options.exception';
import { buildMountArgs } from './fuse-mount-options';

describe('buildMountArgs', () => {
  const context = { filesystem: 'local', readOnly: false };

  it('always reports real inode numbers, removes unlinked files for real and uses big writes', () => {
    const args = buildMountArgs({}, context);
    expect(args).toEqual(expect.arrayContaining(['use_ino', 'hard_remove', 'big_writes', 'fsname=nestjs-fuse-local', 'auto_cache']));
    expect(args).not.toContain('ro');
    expect(args).not.toContain('allow_other');
  });

  it('keeps zero TTLs, which fuse-native itself would drop', () => {
    const args = buildMountArgs({ kernelEntryTtlSeconds: 0, kernelAttrTtlSeconds: 0 }, context);
    expect(args).toContain('entry_timeout=0');
    expect(args).toContain('attr_timeout=0');
  });

  it('always pairs allow_other with default_permissions', () => {
    const args = buildMountArgs({ allowOther: true }, context);
    expect(args).toContain('allow_other');
    expect(args).toContain('default_permissions');
  });

  it('mounts read-only when asked or when the filesystem cannot write', () => {
    expect(buildMountArgs({ readOnly: true }, context)).toContain('ro');
    expect(buildMountArgs({}, { ...context, readOnly: true })).toContain('ro');
  });

  it('maps ownership, umask and page-cache policies', () => {
    const args = buildMountArgs({ uid: 1000, gid: 100, umask: 0o027, pageCache: 'direct', allowNonEmpty: true }, context);
    expect(args).toEqual(expect.arrayContaining(['uid=1000', 'gid=100', 'umask=0027', 'direct_io', 'nonempty']));
    expect(buildMountArgs({ pageCache: 'keep' }, context)).toContain('kernel_cache');
    const drop = buildMountArgs({ pageCache: 'drop' }, context);
    expect(drop).not.toContain('auto_cache');
    expect(drop).not.toContain('kernel_cache');
  });

  it('cannot be tricked into extra options through the fsname', () => {
    const args = buildMountArgs({ fsname: 'x,allow_other' }, context);
    expect(args).toContain('fsname=x_allow_other');
    expect(args).not.toContain('allow_other');
  });

  it('rejects nonsense numbers with a message naming the option', () => {
    expect(() => buildMountArgs({ uid: -1 }, context)).toThrow(MountOptionsException);
    expect(() => buildMountArgs({ uid: -1 }, context)).toThrow(/uid must be a non-negative integer/);
    expect(() => buildMountArgs({ kernelAttrTtlSeconds: Number.NaN }, context)).toThrow(/kernelAttrTtlSeconds/);
  });

  it("keeps open files' paths (no hard_remove) for a binding that cannot take a NULL path", () => {
    expect(buildMountArgs({}, { ...context, nullPaths: false })).not.toContain('hard_remove');
  });
});
