#!/usr/bin/env bash
# The whole test suite from a fresh clone: set-up (idempotent), then build, typecheck and every unit and e2e test; then
# the concurrency suites with the binding built under AddressSanitizer and ThreadSanitizer, and a mount under
# valgrind; then the mount suites again on fuse-native's own prebuilt binary, which is what a package user gets
# without a C toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
# The suite checks behaviour that only the patched fuse-native binding has: its build must not silently fall back.
NESTJS_FUSE_REQUIRE_PATCHED_BINARY=1 bash scripts/setup.sh
# Bounded: a wedged mount or server must fail the run, not hang it.
timeout --kill-after=30 1800 npm test

bash scripts/test-sanitized.sh address
bash scripts/test-sanitized.sh thread
bash scripts/test-valgrind.sh

restore_patched_binding() { NESTJS_FUSE_REQUIRE_PATCHED_BINARY=1 node scripts/build-fuse-native.js; }
trap restore_patched_binding EXIT
node scripts/build-fuse-native.js --prebuilt
NESTJS_FUSE_BINDING=prebuilt timeout --kill-after=30 900 npx jest --runInBand --forceExit \
  test/e2e/local-mount.e2e.spec.ts test/e2e/s3-mount.e2e.spec.ts test/e2e/two-mounts.e2e.spec.ts test/e2e/faulty-handlers.e2e.spec.ts \
  test/e2e/cli.e2e.spec.ts test/e2e/fuse-module-lifecycle.e2e.spec.ts
