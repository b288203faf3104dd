import { constants } from 'node:os';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { OpObserver } from './op-observer.interface';
import { RegistryMetrics } from './registry-metrics';

/** The first name of each errno (EAGAIN, not EWOULDBLOCK). */
const ERRNO_NAMES = new Map<number, string>(
  Object.entries(constants.errno)
    .reverse()
    .map(([name, errno]) => [errno, name]),
);

/** From 50 µs (a cached answer) to 30 s (a deadline). */
const LATENCY_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The requests one mount answers, as Prometheus metrics: counts by op and result (`ok` or the errno's name), latency,
 * requests in flight, and the bytes read and written through the handlers. Labelled with the mountpoint, so several
 * mounts can share a registry.
 */
export class FuseMetrics implements OpObserver {
  private readonly requests: Counter<'mountpoint' | 'op' | 'result'>;
  private readonly latency: Histogram<'mountpoint' | 'op'>;
  private readonly inFlight: Gauge<'mountpoint' | 'op'>;
  private readonly readBytes: Counter<'mountpoint'>;
  private readonly writtenBytes: Counter<'mountpoint'>;

  constructor(
    registry: Registry,
    private readonly mountpoint: string,
  ) {
    const metrics = new RegistryMetrics(registry);
    this.requests = metrics.counter({
      name: 'nestjs_fuse_requests_total',
      help: 'Requests answered, by op and result (ok, or the errno answered)',
      labelNames: ['mountpoint', 'op', 'result'],
    });
    this.latency = metrics.histogram({
      name: 'nestjs_fuse_request_duration_seconds',
      help: "Time from a request's arrival in JavaScript to its answer, by op",
      labelNames: ['mountpoint', 'op'],
      buckets: LATENCY_BUCKETS,
    });
    this.inFlight = metrics.gauge({
      name: 'nestjs_fuse_requests_in_flight',
      help: 'Requests not answered yet, by op',
      labelNames: ['mountpoint', 'op'],
    });
    this.readBytes = metrics.counter({ name: 'nestjs_fuse_read_bytes_total', help: 'Bytes read through the handlers', labelNames: ['mountpoint'] });
    this.writtenBytes = metrics.counter({
      name: 'nestjs_fuse_written_bytes_total',
      help: 'Bytes written through the handlers',
      labelNames: ['mountpoint'],
    });
  }

  started(op: string): void {
    this.inFlight.inc({ mountpoint: this.mountpoint, op });
  }

  answered(op: string, seconds: number, errno: number, bytes: number): void {
    const mountpoint = this.mountpoint;
    this.inFlight.dec({ mountpoint, op });
    this.requests.inc({ mountpoint, op, result: errno === 0 ? 'ok' : (ERRNO_NAMES.get(errno) ?? String(errno)) });
    this.latency.observe({ mountpoint, op }, seconds);
    if (bytes > 0 && op === 'read') this.readBytes.inc({ mountpoint }, bytes);
    if (bytes > 0 && op === 'write') this.writtenBytes.inc({ mountpoint }, bytes);
  }
}
