#!/usr/bin/env bash
# The whole test suite from a fresh clone: set-up (idempotent), then build, typecheck and every unit and e2e test on the
# kernel transport (the default as root), and the e2e suite again on the fuse-native transport; then the concurrency
# suites with the native code built under AddressSanitizer and ThreadSanitizer, and a mount of each transport under
# valgrind; then the mount suites again on fuse-native's own prebuilt binary, which is what a package user gets
# without a C toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
# The suite checks behaviour that only the patched fuse-native binding and the kernel transport's addon have: their
# builds must not silently fall back.
NESTJS_FUSE_REQUIRE_PATCHED_BINARY=1 NESTJS_FUSE_REQUIRE_KERNEL_TRANSPORT=1 NESTJS_FUSE_EXTRA_PACKAGES="s3fs rsync" bash scripts/setup.sh
# Bounded: a wedged mount or server must fail the run, not hang it.
NESTJS_FUSE_TRANSPORT=kernel timeout --kill-after=30 1800 npm test
# The specs whose fixtures always serve on the kernel transport ran in the pass above, and so did the S3 request
# options (headers the S3 layer adds, whatever the transport); the concurrent differential runs half as many
# operations per worker on this second pass (the same workers and seeds), and the large directory has 5,000 keys
# instead of 20,000.
NESTJS_FUSE_TRANSPORT=fuse-native NESTJS_FUSE_FSX_WORKER_OPS=${NESTJS_FUSE_FSX_WORKER_OPS:-100} NESTJS_FUSE_LARGE_DIRECTORY_KEYS=${NESTJS_FUSE_LARGE_DIRECTORY_KEYS:-5000} \
  timeout --kill-after=30 1800 npx jest --runInBand test/e2e \
  --testPathIgnorePatterns kernel-notify.e2e.spec.ts handler-context.e2e.spec.ts write-buffers.e2e.spec.ts s3-request-options.e2e.spec.ts

bash scripts/test-sanitized.sh address
bash scripts/test-sanitized.sh thread
bash scripts/test-valgrind.sh kernel
bash scripts/test-valgrind.sh fuse-native

restore_patched_binding() { NESTJS_FUSE_REQUIRE_PATCHED_BINARY=1 node scripts/build-fuse-native.js; }
trap restore_patched_binding EXIT
node scripts/build-fuse-native.js --prebuilt
NESTJS_FUSE_TRANSPORT=fuse-native NESTJS_FUSE_BINDING=prebuilt timeout --kill-after=30 900 npx jest --runInBand \
  test/e2e/local-mount.e2e.spec.ts test/e2e/s3-mount.e2e.spec.ts test/e2e/two-mounts.e2e.spec.ts test/e2e/faulty-handlers.e2e.spec.ts \
  test/e2e/cli.e2e.spec.ts test/e2e/fuse-module-lifecycle.e2e.spec.ts
