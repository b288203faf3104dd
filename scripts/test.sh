#!/usr/bin/env bash
# The whole test suite from a fresh clone: set-up (idempotent), then build, typecheck and every unit and e2e test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm test
