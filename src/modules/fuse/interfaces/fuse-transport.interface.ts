import type { OpLatencyRow } from '../op-latency.stats';

/** Which code carries a mount's requests between the kernel and the handlers. */
export type FuseTransportKind =
  /** nestjs-fuse's own: reads the kernel's FUSE protocol from /dev/fuse (Linux, root; the addon must be built). */
  | 'kernel'
  /** fuse-native, the libfuse 2 binding: path-based, 128 KiB requests. */
  | 'fuse-native';

/** One mounted filesystem, whichever transport serves it. */
export interface FuseTransport {
  readonly kind: FuseTransportKind;
  readonly mountpoint: string;
  /** True when the filesystem is served read-only (no write ops, or the readOnly option). */
  readonly readOnly: boolean;
  /** Resolves once the kernel has initialised the mount. */
  mount(): Promise<void>;
  /** Detaches the mount, then waits until every request already taken has been answered. */
  unmount(): Promise<void>;
  /** Each op's latency histogram so far, with the `opStats` option; undefined without. */
  opLatency(): OpLatencyRow[] | undefined;
}
