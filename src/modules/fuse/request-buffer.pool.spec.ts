import { FsError } from './errors/fs-error';
import { RequestBufferPool } from './request-buffer.pool';

describe('RequestBufferPool', () => {
  it('hands a returned buffer out again instead of allocating', () => {
    const pool = new RequestBufferPool();
    const first = pool.take(4096);
    pool.give(first);
    expect(pool.take(128 * 1024)).toBe(first);
  });

  it('never hands one buffer to two requests at once', () => {
    const pool = new RequestBufferPool();
    const a = pool.take(4096);
    const b = pool.take(4096);
    expect(a).not.toBe(b);
    expect(a.buffer === b.buffer && a.byteOffset === b.byteOffset).toBe(false);
  });

  it('does not keep requests larger than the kernel sends, nor more than it needs', () => {
    const pool = new RequestBufferPool();
    const large = pool.take(1024 * 1024);
    expect(large.length).toBe(1024 * 1024);
    pool.give(large);
    expect(pool.take(1024 * 1024)).not.toBe(large);
    const many = Array.from({ length: 100 }, () => pool.take(4096));
    for (const buffer of many) pool.give(buffer);
    const reused = new Set(many);
    const again = Array.from({ length: 100 }, () => pool.take(4096)).filter((buffer) => reused.has(buffer));
    expect(again.length).toBe(64);
  });

  it('never reuses a buffer whose request a deadline answered (its handler may still hold it), and reuses one after any other failure', () => {
    const pool = new RequestBufferPool();
    const abandoned = pool.take(4096);
    pool.give(abandoned, FsError.timedOut());
    expect(pool.take(4096)).not.toBe(abandoned);
    const failed = pool.take(4096);
    pool.give(failed, FsError.io());
    expect(pool.take(4096)).toBe(failed);
  });
});
