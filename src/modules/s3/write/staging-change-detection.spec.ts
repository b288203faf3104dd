import { whyStagingMissesChanges } from './staging-change-detection';

describe('whyStagingMissesChanges', () => {
  it('trusts a staging file on a disk filesystem (ext4 here) on a kernel with fine-grained change times', async () => {
    expect(await whyStagingMissesChanges(process.cwd(), '6.18.44-fc-v1147')).toBeUndefined();
    expect(await whyStagingMissesChanges(process.cwd(), '7.0.1')).toBeUndefined();
  });

  it('does not on kernels before 6.13, whose change times can miss a write in the tick after a look', async () => {
    expect(await whyStagingMissesChanges(process.cwd(), '6.12.9')).toMatch(/^Linux 6\.12\.9 .*6\.13 and newer/);
    expect(await whyStagingMissesChanges(process.cwd(), '5.15.0-91-generic')).toMatch(/^Linux 5\.15/);
  });

  it('does not on tmpfs, where a write through a memory mapping leaves the times as they were', async () => {
    expect(await whyStagingMissesChanges('/dev/shm', '6.18.0')).toMatch(/\/dev\/shm is on a filesystem \(type 0x1021994\).*ext4, xfs and btrfs/);
  });
});
