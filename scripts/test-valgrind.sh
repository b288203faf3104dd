#!/usr/bin/env bash
# A local mount served under valgrind's memcheck while a mixed workload and two concurrent readers use it, then
# unmounted: fails on any invalid read, write or free. (Uninitialised-value checks are off: V8's generated code
# trips them by design.) It found the unmount's use of a channel libfuse had already freed. The transport is the
# first argument (kernel or fuse-native; default kernel).
set -euo pipefail
cd "$(dirname "$0")/.."
export NESTJS_FUSE_TRANSPORT=${1:-kernel}
command -v valgrind >/dev/null || { echo "test-valgrind: valgrind is missing (Debian: apt-get install valgrind)" >&2; exit 1; }
work=$(mktemp -d -t nestjs-fuse-valgrind-XXXXXX)
mkdir -p "$work/src" "$work/mnt"
for i in $(seq 20); do echo "file $i" > "$work/src/f$i"; done
readers=()
cleanup() {
  for pid in "${readers[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -n "${daemon:-}" ]] && kill -TERM "$daemon" 2>/dev/null || true
  grep -q " $work/mnt " /proc/mounts && fusermount -uz "$work/mnt" || true
}
trap cleanup EXIT

valgrind --tool=memcheck --undef-value-errors=no --leak-check=no --smc-check=all-non-file --error-limit=no \
  --log-file="$work/valgrind.log" node dist/main.js mount "$work/mnt" local "$work/src" > "$work/daemon.log" 2>&1 &
daemon=$!
for _ in $(seq 240); do grep -q "mounted at" "$work/daemon.log" && break; sleep 0.5; done
grep -q "mounted at" "$work/daemon.log" || { cat "$work/daemon.log"; exit 1; }

for _ in 1 2; do
  timeout 300 bash -c "while true; do ls -lR '$work/mnt' >/dev/null 2>&1; cat '$work/mnt'/* >/dev/null 2>&1; done" &
  readers+=($!)
done
timeout 300 python3 - "$work/mnt" <<'PY'
import os, sys
mnt = sys.argv[1]
for round in range(5):
    path = os.path.join(mnt, f'gone{round}')
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    os.write(fd, b'x' * 5000)
    os.unlink(path)
    assert os.pread(fd, 100, 0) == b'x' * 100
    os.ftruncate(fd, 3)
    os.close(fd)
    for i in range(20):
        name = os.path.join(mnt, f'n{round}-{i}')
        with open(name, 'w') as f:
            f.write('y' * i)
        os.utime(name, (1, 2))
        os.chmod(name, 0o600)
        os.stat(name)
        os.rename(name, name + 'r')
        os.unlink(name + 'r')
PY
for pid in "${readers[@]}"; do kill "$pid" 2>/dev/null || true; done
readers=()
kill -TERM "$daemon"
wait "$daemon" || true
daemon=
summary=$(grep "ERROR SUMMARY" "$work/valgrind.log" || true)
echo "test-valgrind ($NESTJS_FUSE_TRANSPORT transport): ${summary#*== }"
if [[ "$summary" != *"ERROR SUMMARY: 0 errors"* ]]; then
  grep -A25 -E "Invalid (read|write|free)" "$work/valgrind.log" | head -80
  exit 1
fi
rm -rf "$work"
