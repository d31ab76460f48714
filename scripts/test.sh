#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Install dependencies, build, and run every test (ctest). Exit status is ctest's.
set -euo pipefail
cd "$(dirname "$0")/.."
QUIET=1 bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
cd build && ctest --output-on-failure -j2 "$@"
