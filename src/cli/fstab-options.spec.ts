import { mountArguments } from './fstab-options';
import { UsageError } from './usage.error';

describe('mountArguments (mount -t fuse.nestjs-fuse, /etc/fstab)', () => {
  it('turns the source and -o options into the mount command, in the background', () => {
    expect(
      mountArguments('s3:my-bucket/photos', '/mnt/photos', ['ro,allow_other,cache_size=512M', 'endpoint=http://h:9000/?a=b', 'no_xattrs']),
    ).toEqual([
      'mount',
      '/mnt/photos',
      's3',
      'my-bucket/photos',
      '--daemon',
      '--read-only',
      '--allow-other',
      '--cache-size',
      '512M',
      '--endpoint',
      'http://h:9000/?a=b',
      '--no-xattrs',
    ]);
  });

  it('ignores what mount(8), fstab and systemd mean for themselves', () => {
    expect(
      mountArguments('local:/srv/data', '/mnt/data', [
        'defaults,rw,_netdev,nofail,noauto,x-systemd.automount,x-systemd.idle-timeout=60,nosuid,nodev,noatime',
      ]),
    ).toEqual(['mount', '/mnt/data', 'local', '/srv/data', '--daemon']);
  });

  it('says how to write a source it cannot read', () => {
    expect(() => mountArguments('my-bucket', '/mnt', [])).toThrow(UsageError);
    expect(() => mountArguments('s3:', '/mnt', [])).toThrow(
      /"s3:" is not a source of type fuse\.nestjs-fuse\. Write <backend>:<source>, e\.g\. s3:my-bucket/,
    );
  });
});
