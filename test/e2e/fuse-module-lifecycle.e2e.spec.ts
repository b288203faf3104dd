import { Test, TestingModule } from '@nestjs/testing';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FuseModule, FuseMountService, MountException } from '../../src/modules/fuse';
import { MemoryFilesystem } from '../fixtures/memory.filesystem';
import { isMounted, stopMount } from './support/mount-process';

// In-process: the memory handlers never touch the threadpool, and the test reads the mount only with async calls.
describe('FuseModule mount lifecycle (in process)', () => {
  let work: string;
  const refs: TestingModule[] = [];

  async function app(mountpoint: string, mkdir = false): Promise<TestingModule> {
    const moduleRef = await Test.createTestingModule({
      imports: [FuseModule.forRoot({ mountpoint, unmountOnSignal: false, mount: { mkdir } })],
      providers: [MemoryFilesystem],
    }).compile();
    refs.push(moduleRef);
    await moduleRef.init();
    return moduleRef;
  }

  beforeAll(async () => {
    work = await fs.mkdtemp(join(tmpdir(), 'nestjs-fuse-module-'));
  });

  afterEach(async () => {
    for (const ref of refs.splice(0)) await ref.close().catch(() => undefined);
  });

  afterAll(async () => {
    for (const name of ['mnt', 'created']) await stopMount(undefined, join(work, name));
    await fs.rm(work, { recursive: true, force: true });
  });

  it('mounts at bootstrap and unmounts on close', async () => {
    const mnt = join(work, 'mnt');
    await fs.mkdir(mnt);
    const moduleRef = await app(mnt);
    expect(await isMounted(mnt)).toBe(true);
    expect(moduleRef.get(FuseMountService).mountpoints()).toEqual([mnt]);
    expect(await fs.readFile(join(mnt, 'hello.txt'), 'utf8')).toBe('hello world\n');
    await moduleRef.close();
    refs.pop();
    expect(await isMounted(mnt)).toBe(false);
  });

  it('mounts programmatically and unmounts one mount through its handle, leaving the others', async () => {
    const [first, second] = [join(work, 'handle-1'), join(work, 'handle-2')];
    for (const dir of [first, second]) await fs.mkdir(dir);
    const moduleRef = await Test.createTestingModule({
      imports: [FuseModule.forRoot({ unmountOnSignal: false, mount: { opStats: true } })],
      providers: [MemoryFilesystem],
    }).compile();
    refs.push(moduleRef);
    await moduleRef.init();
    const mounts = moduleRef.get(FuseMountService);
    const handle = await mounts.mount(first);
    await mounts.mount(second);
    try {
      // The memory fixture has no write ops: it is served read-only.
      expect(handle).toMatchObject({ mountpoint: first, filesystem: 'memory', readOnly: true });
      expect(['kernel', 'fuse-native']).toContain(handle.transport);
      expect(await fs.readFile(join(first, 'hello.txt'), 'utf8')).toBe('hello world\n');
      expect(handle.opLatency()?.some((row) => row.count > 0)).toBe(true);
      await handle.unmount();
      expect(await isMounted(first)).toBe(false);
      expect(await isMounted(second)).toBe(true);
      expect(mounts.mounted().map((mount) => mount.mountpoint)).toEqual([second]);
    } finally {
      // The application unmounts what it still serves; an external unmount of its own live mount would race it.
      await moduleRef.close();
      refs.pop();
      for (const dir of [first, second]) await stopMount(undefined, dir);
    }
  });

  it('refuses a mountpoint that a live filesystem already serves', async () => {
    const mnt = join(work, 'mnt');
    await app(mnt);
    await expect(app(mnt)).rejects.toThrow(MountException);
    await expect(app(mnt)).rejects.toThrow(/already mounted by a live filesystem/);
    expect(await isMounted(mnt)).toBe(true);
  });

  it('refuses a missing mountpoint, or creates it when asked', async () => {
    await expect(app(join(work, 'absent'))).rejects.toThrow(/does not exist\. Create it/);
    const created = join(work, 'created');
    await app(created, true);
    expect(await isMounted(created)).toBe(true);
  });

  it('refuses a mountpoint that is a file or a non-empty directory', async () => {
    await fs.writeFile(join(work, 'file'), 'x');
    await expect(app(join(work, 'file'))).rejects.toThrow(/is not a directory/);
    await fs.mkdir(join(work, 'full'));
    await fs.writeFile(join(work, 'full', 'x'), 'x');
    await expect(app(join(work, 'full'))).rejects.toThrow(/is not empty/);
  });
});
