import type { Type } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import {
  DuplicateReadFilesystem,
  MissingReadDirFilesystem,
  PerRequestContext,
  RequestScopedFilesystem,
  ScopedDependencyFilesystem,
  SecondMemoryFilesystem,
} from '../../../test/fixtures/broken.filesystems';
import { MemoryFilesystem } from '../../../test/fixtures/memory.filesystem';
import {
  AmbiguousFilesystemException,
  DuplicateFilesystemNameException,
  DuplicateFuseOpException,
  FuseFilesystemRegistry,
  FuseModule,
  FuseModuleOptions,
  FuseOp,
  MissingFuseOpException,
  RequestScopedFilesystemException,
  UnknownFilesystemException,
} from './index';

async function boot(providers: Type<unknown>[], options: FuseModuleOptions = {}): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [FuseModule.forRoot(options)],
    providers: providers as never[],
  }).compile();
  await moduleRef.init();
  return moduleRef;
}

describe('FuseExplorer', () => {
  let moduleRef: TestingModule | undefined;
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
  });

  it('discovers a decorated filesystem and binds every op to its instance', async () => {
    moduleRef = await boot([MemoryFilesystem]);
    const registry = moduleRef.get(FuseFilesystemRegistry);
    expect(registry.names()).toEqual(['memory']);
    const session = registry.get('memory');
    expect(session.filesystem.className).toBe('MemoryFilesystem');
    expect(session.filesystem.handlerNames.get(FuseOp.Read)).toBe('MemoryFilesystem.read');
    expect([...session.filesystem.handlerNames.keys()].sort()).toEqual(
      [FuseOp.Lookup, FuseOp.GetAttr, FuseOp.ReadDir, FuseOp.Open, FuseOp.Read, FuseOp.Release, FuseOp.Forget].sort(),
    );
    expect(session.implements(FuseOp.Write)).toBe(false);
    expect(session.writable).toBe(false);
    // Bound: the handler sees the provider instance as `this`.
    const instance = moduleRef.get(MemoryFilesystem);
    await session.lookup(1, 'hello.txt');
    expect(instance.calls).toContain('lookup 1 hello.txt');
  });

  it('fails boot on a duplicate op, naming both methods and the op', async () => {
    const failure = boot([DuplicateReadFilesystem]);
    await expect(failure).rejects.toThrow(DuplicateFuseOpException);
    await expect(failure).rejects.toThrow(/@Read\(\) twice: on DuplicateReadFilesystem\.read and on DuplicateReadFilesystem\.readAgain/);
  });

  it('fails boot on a missing required op, naming the class and the op', async () => {
    const failure = boot([MissingReadDirFilesystem]);
    await expect(failure).rejects.toThrow(MissingFuseOpException);
    await expect(failure).rejects.toThrow(/"incomplete" \(MissingReadDirFilesystem\) has no handler for required op\(s\) readdir \(@ReadDir\(\)\)/);
  });

  it('fails boot on a request-scoped filesystem', async () => {
    await expect(boot([RequestScopedFilesystem])).rejects.toThrow(RequestScopedFilesystemException);
  });

  it('fails boot on a filesystem that is request-scoped through a dependency', async () => {
    const failure = boot([ScopedDependencyFilesystem, PerRequestContext]);
    await expect(failure).rejects.toThrow(RequestScopedFilesystemException);
    await expect(failure).rejects.toThrow(/ScopedDependencyFilesystem/);
  });

  it('fails boot when two filesystems share a name', async () => {
    const failure = boot([MemoryFilesystem, SecondMemoryFilesystem]);
    await expect(failure).rejects.toThrow(DuplicateFilesystemNameException);
    await expect(failure).rejects.toThrow(/MemoryFilesystem and SecondMemoryFilesystem/);
  });

  it('fails boot when the options name an unknown filesystem, listing the registered ones', async () => {
    const failure = boot([MemoryFilesystem], { filesystem: 'nope' });
    await expect(failure).rejects.toThrow(UnknownFilesystemException);
    await expect(failure).rejects.toThrow(/No filesystem named "nope" is registered\. Registered: "memory"/);
  });

  it('selects the only filesystem, or refuses to guess between several', async () => {
    moduleRef = await boot([MemoryFilesystem]);
    expect(moduleRef.get(FuseFilesystemRegistry).selected().name).toBe('memory');
    await moduleRef.close();
    moduleRef = await boot([MemoryFilesystem]);
    const registry = moduleRef.get(FuseFilesystemRegistry);
    registry.register({ ...registry.get('memory').filesystem, name: 'other' });
    expect(() => registry.selected()).toThrow(AmbiguousFilesystemException);
  });

  it('keeps registries of two testing modules apart (no static state)', async () => {
    const first = await boot([MemoryFilesystem]);
    const second = await boot([MemoryFilesystem]);
    try {
      expect(first.get(FuseFilesystemRegistry)).not.toBe(second.get(FuseFilesystemRegistry));
      expect(first.get(FuseFilesystemRegistry).get('memory').filesystem.instance).toBe(first.get(MemoryFilesystem));
      expect(second.get(FuseFilesystemRegistry).get('memory').filesystem.instance).toBe(second.get(MemoryFilesystem));
    } finally {
      await first.close();
      await second.close();
    }
  });
});
