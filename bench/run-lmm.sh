#!/bin/sh
# Mixed-model benchmark table for docs/performance.md.
#   bench/run-lmm.sh [patients ...]      (default: 60 10000 100000)
# Builds dayzero-bench in release mode and runs `dayzero-bench lmm --patients N --with-r`
# for each size from the repository root. R at 100 000 patients takes a few minutes.
set -eu
cd "$(dirname "$0")/.."
swift build -c release --product dayzero-bench
sizes="${*:-60 10000 100000}"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC') on $(uname -srm), $(nproc 2>/dev/null || sysctl -n hw.ncpu) cores"
for n in $sizes; do
  .build/release/dayzero-bench lmm --patients "$n" --with-r
done
