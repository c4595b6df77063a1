#!/bin/sh
# Whole-pipeline benchmark table for docs/performance.md ("The whole pipeline").
#   bench/run-pipeline.sh [patients ...]      (default: 78 10000 100000 1000000)
# Builds dayzero-bench in release mode and, from the repository root, runs
#   dayzero-bench pipeline --patients N --with-r --work $WORK/N
# for each size: simulate, import, load, derive, the main set's workup, the four-set workup,
# write, render, each timed with its peak RSS, plus bench/workup.R (R's workup on the tidy
# exports) up to R_MAX patients (default 10000), killed after R_TIMEOUT seconds (default 1800).
# 78 is the default cohort (60 patients analysed). Above ANALYSE_MAX patients (default 100000)
# the write step writes results.json but not the tidy CSV exports (--no-exports): at 1 000 000
# patients they would be ≈ 79 GiB (aligned_long.csv ≈ 63 GiB), more than this machine's free
# disk beside the store; report.html is still rendered. UNTIL stops the analysis after a step.
# 1 000 000 patients writes 23.3 GiB of CSV (deleted after the import) and a 32.8 GiB store:
# it needs ≈ 57 GiB of free disk.
# WORK (default /tmp/dayzero-pipeline) keeps each size's store and outputs; delete it afterwards.
set -eu
cd "$(dirname "$0")/.."
swift build -c release --product dayzero-bench
sizes="${*:-78 10000 100000 1000000}"
work="${WORK:-/tmp/dayzero-pipeline}"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC') on $(uname -srm), $(nproc 2>/dev/null || sysctl -n hw.ncpu) cores, load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
for n in $sizes; do
  if [ "$n" -gt "${ANALYSE_MAX:-100000}" ]; then analyse="--no-exports"; else analyse=""; fi
  if [ -n "${UNTIL:-}" ]; then analyse="$analyse --analyse-until $UNTIL"; fi
  status=0
  .build/release/dayzero-bench pipeline --patients "$n" --with-r --work "$work/$n" $analyse \
    --r-max-patients "${R_MAX:-10000}" --r-timeout "${R_TIMEOUT:-1800}" || status=$?
  rm -rf "$work/$n/study"   # the CSVs; the store and the outputs stay for inspection
  if [ "$status" -ne 0 ]; then echo "# $n patients: the pipeline stopped (exit $status)"; exit "$status"; fi
done
