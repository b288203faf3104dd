import { OpLatencyStats } from './op-latency.stats';

describe('OpLatencyStats', () => {
  it('gives each op its count, errors and power-of-two percentiles, the busiest op first', () => {
    const stats = new OpLatencyStats();
    // 90 reads of 50 µs, 9 of 300 µs, 1 of 5 ms (failed); 3 getattrs of 10 µs.
    for (let i = 0; i < 90; i++) stats.record('read', 50, false);
    for (let i = 0; i < 9; i++) stats.record('read', 300, false);
    stats.record('read', 5_000, true);
    for (let i = 0; i < 3; i++) stats.record('getattr', 10, false);

    const [read, getattr] = stats.rows();
    expect(read).toEqual({ op: 'read', count: 100, errors: 1, p50Us: 64, p90Us: 64, p99Us: 512, maxUs: 5_000, totalMs: 12.2 });
    expect(getattr).toMatchObject({ op: 'getattr', count: 3, errors: 0, p50Us: 10, maxUs: 10 });
  });

  it('never reports a percentile above the slowest request, and counts sub-microsecond answers', () => {
    const stats = new OpLatencyStats();
    stats.record('access', 0.2, false);
    stats.record('access', 0.4, false);
    expect(stats.rows()[0]).toMatchObject({ p50Us: 0.4, p99Us: 0.4, maxUs: 0.4 });
  });

  it('formats a table with one line per op', () => {
    const stats = new OpLatencyStats();
    expect(stats.format()).toBe('no requests reached JavaScript');
    stats.record('read', 1_500, false);
    stats.record('lookup', 2_500_000, true);
    const lines = stats.format().split('\n');
    expect(lines[0]).toMatch(/^op\s+count\s+errors\s+p50 ≤\s+p90 ≤\s+p99 ≤\s+max\s+total$/);
    expect(lines[1]).toMatch(/^lookup\s+1\s+1\s+2\.50 s\s+2\.50 s\s+2\.50 s\s+2\.50 s\s+2\.50 s$/);
    expect(lines[2]).toMatch(/^read\s+1\s+0\s+1\.50 ms/);
  });
});
