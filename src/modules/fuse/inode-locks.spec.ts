import { InodeLocks } from './inode-locks';

const never = (): AbortSignal => new AbortController().signal;
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('InodeLocks', () => {
  it('lets readers of one inode share it', async () => {
    const locks = new InodeLocks();
    const a = await locks.acquire([{ ino: 5, mode: 'shared' }], never());
    const b = await locks.acquire([{ ino: 5, mode: 'shared' }], never());
    a();
    b();
    expect(locks.size).toBe(0);
  });

  it('orders a writer after current readers and before later readers (FIFO)', async () => {
    const locks = new InodeLocks();
    const order: string[] = [];
    const reader = await locks.acquire([{ ino: 1, mode: 'shared' }], never());
    const writer = locks.acquire([{ ino: 1, mode: 'exclusive' }], never()).then((release) => {
      order.push('writer');
      return release;
    });
    const lateReader = locks.acquire([{ ino: 1, mode: 'shared' }], never()).then((release) => {
      order.push('late reader');
      return release;
    });
    await tick();
    expect(order).toEqual([]);
    reader();
    (await writer)();
    (await lateReader)();
    expect(order).toEqual(['writer', 'late reader']);
  });

  it('does not block other inodes', async () => {
    const locks = new InodeLocks();
    const held = await locks.acquire([{ ino: 1, mode: 'exclusive' }], never());
    const other = await locks.acquire([{ ino: 2, mode: 'exclusive' }], never());
    other();
    held();
  });

  it('takes several inodes in ascending order so crossing requests cannot deadlock', async () => {
    const locks = new InodeLocks();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        locks
          .acquire(
            i % 2
              ? [
                  { ino: 1, mode: 'exclusive' },
                  { ino: 2, mode: 'exclusive' },
                ]
              : [
                  { ino: 2, mode: 'exclusive' },
                  { ino: 1, mode: 'exclusive' },
                ],
            never(),
          )
          .then((release) => {
            release();
            return true;
          }),
      ),
    );
    expect(results).toHaveLength(50);
    expect(locks.size).toBe(0);
  });

  it('gives up waiting when aborted and releases what it already held', async () => {
    const locks = new InodeLocks();
    const held = await locks.acquire([{ ino: 2, mode: 'exclusive' }], never());
    const controller = new AbortController();
    const waiting = locks.acquire(
      [
        { ino: 1, mode: 'exclusive' },
        { ino: 2, mode: 'exclusive' },
      ],
      controller.signal,
    );
    await tick();
    controller.abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow('deadline');
    // Inode 1 was released by the aborted request: it can be taken at once.
    const again = await locks.acquire([{ ino: 1, mode: 'exclusive' }], never());
    again();
    held();
    expect(locks.size).toBe(0);
  });
});
