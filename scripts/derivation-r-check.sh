#!/bin/sh
# The independent R check of three derivation rules (docs/protocol.md: SOFA carry_forward,
# temperature lower_only, consecutive criteria). The default protocol (`dayzero protocol
# init`) is edited per run by scripts/derivation-r-check.R (mode `prepare`; the runs and
# their edits are listed there), `dayzero analyze` runs each protocol on the bundled cohort
# written by `dayzero simulate` (one run on a copy with gaps in the corticosteroid courses),
# and the R script (mode `check`) recomputes the daily SOFA, the daily temperature and the
# criteria sets' members from the RAW study folder (`dayzero simulate`) and compares them with
# each run's aligned_long.csv and table1_values.csv, exactly. It writes R's values to
# Tests/DayZeroAnalysisTests/Fixtures/derivation-r-check.json, which DerivationRCheckTests
# compares with DayZero's library on the same protocols (no R needed there). Exit 0 when R and
# DayZero agree everywhere.
#
# Usage: scripts/derivation-r-check.sh [path/to/dayzero]   (default .build/debug/dayzero)
# Needs: R with jsonlite.
set -eu
cd "$(dirname "$0")/.."
DAYZERO="${1:-${DAYZERO:-.build/debug/dayzero}}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$DAYZERO" protocol init --out "$WORK/base.yaml" >/dev/null
"$DAYZERO" simulate --out "$WORK/study" >/dev/null 2>&1
mkdir "$WORK/runs"
Rscript scripts/derivation-r-check.R prepare "$WORK/base.yaml" "$WORK/study" "$WORK/prepared" > "$WORK/runs.txt"
while read -r run study; do
  "$DAYZERO" protocol check "$WORK/prepared/$run.yaml" >/dev/null </dev/null
  "$DAYZERO" analyze --study "$study" --protocol "$WORK/prepared/$run.yaml" --out "$WORK/runs/$run" \
    >/dev/null 2>"$WORK/stderr" </dev/null || { cat "$WORK/stderr" >&2; exit 1; }
done < "$WORK/runs.txt"
Rscript scripts/derivation-r-check.R check "$WORK/study" "$WORK/prepared" "$WORK/runs" Tests/DayZeroAnalysisTests/Fixtures/derivation-r-check.json
