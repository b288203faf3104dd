#!/usr/bin/env bash
# Installs what nestjs-fuse needs on a fresh Debian/Ubuntu machine, then its npm dependencies, then builds it.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(fuse libfuse2 attr patch valgrind)
# What only the test suite uses (scripts/test.sh passes s3fs, the peer the interop tests run against).
read -r -a extra <<< "${NESTJS_FUSE_EXTRA_PACKAGES:-}"
DEBIAN_PACKAGES+=("${extra[@]}")

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done

if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  as_root=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install ${missing[*]}" >&2; exit 1; }
    as_root=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! "${as_root[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing[@]}"; then
    "${as_root[@]}" apt-get -o DPkg::Lock::Timeout=300 update
    "${as_root[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing[@]}"
  fi
fi

if [[ ! -e /dev/fuse ]]; then
  echo "setup: /dev/fuse is missing: load the fuse kernel module (modprobe fuse) or give the container --device /dev/fuse" >&2
  exit 1
fi

if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules ]]; then
  npm ci --no-audit --no-fund
fi
node scripts/build-fuse-native.js
node scripts/build-kernel-transport.js
npm run build
# mount -t fuse.nestjs-fuse and /etc/fstab lines of that type need the mount(8) helper in /sbin (root only).
if [[ $(id -u) -eq 0 ]]; then
  node dist/main.js install-mount-helper
else
  echo "setup: not root: install the mount(8) helper later with: sudo node dist/main.js install-mount-helper"
fi
