#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Install dependencies, build, and start build/arenakv-server on port 6379 (extra args pass on).
set -euo pipefail
cd "$(dirname "$0")/.."
QUIET=1 bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
exec build/arenakv-server --port 6379 "$@"
