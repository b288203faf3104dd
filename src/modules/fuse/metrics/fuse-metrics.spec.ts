import { Registry } from 'prom-client';
import { FuseMetrics } from './fuse-metrics';

describe('FuseMetrics', () => {
  it('reports each mount under its mountpoint in one shared registry', async () => {
    const registry = new Registry();
    const first = new FuseMetrics(registry, '/mnt/a');
    const second = new FuseMetrics(registry, '/mnt/b');
    first.started('read');
    first.answered('read', 0.002, 0, 4096);
    second.started('lookup');
    second.answered('lookup', 0.0001, 2, 0);
    second.started('write');
    const text = await registry.metrics();
    expect(text).toContain('nestjs_fuse_requests_total{mountpoint="/mnt/a",op="read",result="ok"} 1');
    expect(text).toContain('nestjs_fuse_requests_total{mountpoint="/mnt/b",op="lookup",result="ENOENT"} 1');
    expect(text).toContain('nestjs_fuse_read_bytes_total{mountpoint="/mnt/a"} 4096');
    expect(text).toContain('nestjs_fuse_requests_in_flight{mountpoint="/mnt/b",op="write"} 1');
    expect(text).toContain('nestjs_fuse_request_duration_seconds_bucket{le="0.0025",mountpoint="/mnt/a",op="read"} 1');
  });
});
