#!/usr/bin/env bash
# The whole test suite from a fresh clone: set-up (idempotent), then build, typecheck and every unit and e2e test.
set -euo pipefail
cd "$(dirname "$0")/.."
# The suite checks behaviour that only the patched fuse-native binding has: its build must not silently fall back.
NESTJS_FUSE_REQUIRE_PATCHED_BINARY=1 bash scripts/setup.sh
# Bounded: a wedged mount or server must fail the run, not hang it.
timeout --kill-after=30 1800 npm test
