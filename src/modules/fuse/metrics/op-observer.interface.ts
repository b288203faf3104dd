/**
 * Hears of every request a transport answers, for metrics. `op` is the request's name on that transport (the kernel
 * transport's FUSE opcodes, fuse-native's libfuse operations), lower case.
 */
export interface OpObserver {
  /** A request of `op` arrived; it is in flight until {@link answered}. */
  started(op: string): void;
  /** The request was answered after `seconds`, with `errno` (0: success); `bytes`: the data it read or wrote. */
  answered(op: string, seconds: number, errno: number, bytes: number): void;
}
