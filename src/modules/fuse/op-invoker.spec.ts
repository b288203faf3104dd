import { Logger } from '@nestjs/common';
import { FsError } from './errors/fs-error';
import { FuseOp } from './fuse.constants';
import { InodeLocks } from './inode-locks';
import { OpInvoker } from './op-invoker';

describe('OpInvoker', () => {
  const logger = new Logger('test');
  beforeEach(() => {
    jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
  });
  const invoker = (locks = new InodeLocks(), deadlineMs = 1_000) => new OpInvoker(locks, { deadlineMs }, logger);
  const where = () => 'Fs.read(1)';

  it('accepts a handler that returns a plain value instead of a promise', async () => {
    const call = (() => 'plain') as unknown as () => Promise<string>;
    await expect(invoker().run(FuseOp.Read, where, [{ ino: 1, mode: 'shared' }], call)).resolves.toBe('plain');
  });

  it('turns a handler that throws synchronously into EIO, and releases its lock', async () => {
    const locks = new InodeLocks();
    const call = (): Promise<string> => {
      throw new Error('sync failure');
    };
    await expect(invoker(locks).run(FuseOp.Write, where, [{ ino: 1, mode: 'exclusive' }], call)).rejects.toMatchObject({ code: 'EIO' });
    expect(locks.size).toBe(0);
  });

  it('answers ETIMEDOUT at the deadline, also for an op still queued for its lock, which then never runs', async () => {
    const locks = new InodeLocks();
    const held = locks.tryAcquire([{ ino: 1, mode: 'exclusive' }]);
    let ran = false;
    const queued = invoker(locks, 50).run(FuseOp.Read, where, [{ ino: 1, mode: 'shared' }], async () => {
      ran = true;
      return 'late';
    });
    await expect(queued).rejects.toBeInstanceOf(FsError);
    await expect(queued).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    held?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toBe(false);
    expect(locks.size).toBe(0);
  });
});
