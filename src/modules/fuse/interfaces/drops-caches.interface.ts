/**
 * Implemented by a filesystem that caches what its backend said (names, attributes, listings): the module calls
 * {@link dropCaches} when the operator asks for a fresh view (the CLI's SIGHUP, `FuseMountService.dropCaches()`).
 */
export interface DropsCaches {
  /** Forget every cached answer; the next lookup, stat and listing ask the backend. */
  dropCaches(): void;
}
