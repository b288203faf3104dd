#!/usr/bin/env bash
# The concurrency suites (differential runs under concurrent readers, two mounts in one process, the binding's caches)
# with the native code built under a sanitizer: bash scripts/test-sanitized.sh address|thread. Fails on any
# AddressSanitizer report, and on any ThreadSanitizer report whose racing access is in our own C. Both transports run
# under both: fuse-native's libfuse threads share state with JavaScript, and so does each kernel-transport mount's
# notifier thread (kernel-notify.e2e.spec.ts keeps it busy while requests are answered).
set -euo pipefail
cd "$(dirname "$0")/.."
sanitizer=${1:-address}
case "$sanitizer" in
  address) runtime=$(gcc -print-file-name=libasan.so) ;;
  thread) runtime=$(gcc -print-file-name=libtsan.so) ;;
  *) echo "test-sanitized: pass address or thread, not \"$sanitizer\"" >&2; exit 2 ;;
esac
if [[ ! -e "$runtime" ]]; then
  echo "test-sanitized: gcc's $sanitizer sanitizer runtime is missing (Debian: apt-get install libasan8 libtsan2)" >&2
  exit 1
fi
reports=$(mktemp -d -t nestjs-fuse-sanitizer-XXXXXX)
restore_release_builds() {
  NESTJS_FUSE_REQUIRE_PATCHED_BINARY=1 node scripts/build-fuse-native.js
  NESTJS_FUSE_REQUIRE_KERNEL_TRANSPORT=1 node scripts/build-kernel-transport.js
}
trap restore_release_builds EXIT
node scripts/build-fuse-native.js --sanitize="$sanitizer"
node scripts/build-kernel-transport.js --sanitize="$sanitizer"
npm run build
suites=0
export NESTJS_FUSE_DAEMON_PRELOAD="$runtime" NESTJS_FUSE_SANITIZER_REPORTS="$reports"
# One local seed of the readers differential (the plain passes run both): the sanitizers look at the native code under
# concurrency, which one seed exercises as well as two; both S3 seeds stay, as they drive the most concurrent requests.
export NESTJS_FUSE_FSX_READER_SEEDS=${NESTJS_FUSE_FSX_READER_SEEDS:-3}
NESTJS_FUSE_TRANSPORT=fuse-native timeout --kill-after=30 1800 npx jest --runInBand \
  test/e2e/differential-readers.e2e.spec.ts test/e2e/two-mounts.e2e.spec.ts test/e2e/listed-attributes.e2e.spec.ts || suites=$?
NESTJS_FUSE_TRANSPORT=kernel timeout --kill-after=30 1800 npx jest --runInBand \
  test/e2e/differential-readers.e2e.spec.ts test/e2e/two-mounts.e2e.spec.ts test/e2e/kernel-notify.e2e.spec.ts || suites=$?
# The reports explain a daemon that died, so they are read whatever the suites said.
node scripts/sanitizer-reports.js "$reports"
exit "$suites"
