import type { OpLatencyRow } from '../op-latency.stats';
import type { FuseTransportKind } from './fuse-transport.interface';

/** One mount this application serves, as `FuseMountService.mount()` and `mounted()` give it. */
export interface FuseMountHandle {
  /** The absolute mountpoint. */
  readonly mountpoint: string;
  /** The registered filesystem it serves. */
  readonly filesystem: string;
  /** What carries its requests: `'kernel'` (/dev/fuse, the default as root) or `'fuse-native'` (libfuse 2). */
  readonly transport: FuseTransportKind;
  /** True when it is served read-only (no write ops, or the readOnly option). */
  readonly readOnly: boolean;
  /** Unmounts it once the requests already taken are answered; the application's other mounts stay. */
  unmount(): Promise<void>;
  /** Each op's latency histogram so far, with the `opStats` mount option; undefined without it. */
  opLatency(): OpLatencyRow[] | undefined;
}
