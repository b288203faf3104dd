import { Logger } from '@nestjs/common';
import { BackingRegistrar, PassthroughFiles } from './passthrough-files';

class FakeRegistrar implements BackingRegistrar {
  registered: number[] = [];
  unregistered: number[] = [];
  failWith?: number;
  writable = true;
  private next = 1;

  registerBacking(fd: number): [number, boolean] {
    if (this.failWith !== undefined) throw Object.assign(new Error(`refused ${fd}`), { errno: -this.failWith });
    this.registered.push(fd);
    return [this.next++, this.writable];
  }

  unregisterBacking(id: number): void {
    this.unregistered.push(id);
  }
}

describe('PassthroughFiles', () => {
  const logger = new Logger('test');
  let warnings: string[];
  let bypassed: Map<number, number>;
  const bypass = (ino: number): (() => void) => {
    bypassed.set(ino, (bypassed.get(ino) ?? 0) + 1);
    return () => bypassed.set(ino, (bypassed.get(ino) ?? 0) - 1);
  };

  beforeEach(() => {
    warnings = [];
    bypassed = new Map();
    jest.spyOn(logger, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
  });

  it('registers one backing file per inode, shared by its opens, and drops it at the last release', () => {
    const registrar = new FakeRegistrar();
    const files = new PassthroughFiles(registrar, bypass, logger);
    expect(files.serve(7, 1, 40, false)).toEqual({ throughHandlers: false, backingId: 1 });
    expect(files.serve(7, 2, 41, true)).toEqual({ throughHandlers: false, backingId: 1 });
    expect(files.serve(8, 3, 42, false)).toEqual({ throughHandlers: false, backingId: 2 });
    expect(registrar.registered).toEqual([40, 42]);
    expect(bypassed.get(7)).toBe(1);
    files.detach(7, 1);
    files.detach(7, 99);
    expect(registrar.unregistered).toEqual([]);
    files.detach(7, 2);
    expect(registrar.unregistered).toEqual([1]);
    expect(bypassed.get(7)).toBe(0);
    expect(files.serve(7, 4, 43, false)).toEqual({ throughHandlers: false, backingId: 3 });
  });

  it('stops asking, and says so once, when the kernel refuses passthrough (EPERM without CAP_SYS_ADMIN)', () => {
    const registrar = new FakeRegistrar();
    registrar.failWith = 1;
    const files = new PassthroughFiles(registrar, bypass, logger);
    expect(files.available()).toBe(true);
    expect(files.serve(7, 1, 40, false)).toBe('cached');
    expect(files.available()).toBe(false);
    expect(files.available(8)).toBe(false);
    registrar.failWith = undefined;
    expect(files.serve(8, 2, 41, false)).toBe('cached');
    expect(registrar.registered).toEqual([]);
    expect(warnings).toEqual([expect.stringMatching(/^Passthrough is off for this mount \(refused 40\)/)]);
  });

  it('serves only the one file through the handlers when its backing file cannot be used (ELOOP)', () => {
    const registrar = new FakeRegistrar();
    registrar.failWith = 40;
    const files = new PassthroughFiles(registrar, bypass, logger);
    expect(files.serve(7, 1, 40, false)).toBe('cached');
    registrar.failWith = undefined;
    expect(files.serve(8, 2, 41, false)).toEqual({ throughHandlers: false, backingId: 1 });
    expect(warnings).toEqual([expect.stringMatching(/^Inode 7 is served through the handlers/)]);
  });

  it('refuses an open for writing of an inode whose backing file could only be opened read-only', () => {
    const registrar = new FakeRegistrar();
    registrar.writable = false;
    const files = new PassthroughFiles(registrar, bypass, logger);
    expect(() => files.serve(7, 1, 40, true)).toThrow(/may only read/);
    expect(registrar.unregistered).toEqual([1]);
    expect(files.serve(7, 2, 41, false)).toEqual({ throughHandlers: false, backingId: 2 });
    expect(() => files.serve(7, 3, 42, true)).toThrow(/may only read/);
    expect(files.active).toBe(1);
  });

  it('never mixes passthrough and the page cache on one inode: the kernel would fail the open (EIO)', () => {
    const registrar = new FakeRegistrar();
    const files = new PassthroughFiles(registrar, bypass, logger);
    // A cached open (its handler offered no descriptor) keeps later opens of the inode off passthrough…
    expect(files.serve(7, 1, undefined, false)).toBe('cached');
    expect(files.available(7)).toBe(false);
    expect(files.available(8)).toBe(true);
    expect(files.serve(7, 2, 40, false)).toBe('cached');
    expect(registrar.registered).toEqual([]);
    files.detach(7, 1);
    files.detach(7, 2);
    expect(files.available(7)).toBe(true);
    // …until they are released; then an open served through the handlers names the inode's backing file too.
    expect(files.serve(7, 3, 41, false)).toEqual({ throughHandlers: false, backingId: 1 });
    expect(files.serve(7, 4, undefined, true)).toEqual({ throughHandlers: true, backingId: 1 });
    expect(files.active).toBe(1);
    files.detach(7, 3);
    expect(registrar.unregistered).toEqual([]);
    files.detach(7, 4);
    expect(registrar.unregistered).toEqual([1]);
    expect(files.serve(7, 5, undefined, false)).toBe('cached');
  });
});
