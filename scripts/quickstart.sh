#!/usr/bin/env bash
# From a fresh clone to a working mount: set-up, then mount DIR at MOUNTPOINT in the foreground (Ctrl-C unmounts).
#   bash scripts/quickstart.sh [DIR] [MOUNTPOINT]     (defaults: the current directory, /tmp/nestjs-fuse-demo)
set -euo pipefail
source_dir=$(realpath "${1:-$PWD}")
mountpoint=${2:-/tmp/nestjs-fuse-demo}
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec dist/main.js mount "$mountpoint" local "$source_dir" --mkdir
