#!/bin/sh
# The R check of the specification curve (docs/methods/robustness.md): a small grid — the
# norepinephrine zero constant (0.001, 0.01, 0.1) × the SOFA missing-component rule
# (sum_available, require_all), 6 specifications — is analysed by `dayzero analyze` once per
# specification (the default protocol edited by sed), and scripts/robustness-r-check.R re-fits
# the norepinephrine and SOFA mixed models in R from each run's aligned_long.csv. It writes
# Tests/DayZeroAnalysisTests/Fixtures/robustness-r-check.json, which RobustnessTests compares
# with `RobustnessAnalysis` on the same grid (tolerance 1e-6 relative).
#
# Usage: scripts/robustness-r-check.sh  (DAYZERO=path/to/dayzero to use another build)
# Needs: R with jsonlite, lme4, lmerTest.
set -eu
cd "$(dirname "$0")/.."
DAYZERO="${DAYZERO:-.build/debug/dayzero}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$DAYZERO" protocol init --out "$WORK/base.yaml" >/dev/null
grep -q "zero_rule: {add_constant: 0.01}}" "$WORK/base.yaml"
grep -q "missing_components: {policy: sum_available" "$WORK/base.yaml"
for c in 0.001 0.01 0.1; do
  for policy in sum_available require_all; do
    spec="spec-$c-$policy"
    sed -e "s/zero_rule: {add_constant: 0.01}}/zero_rule: {add_constant: $c}}/" \
        -e "s/missing_components: {policy: sum_available/missing_components: {policy: $policy/" \
        "$WORK/base.yaml" > "$WORK/$spec.yaml"
    "$DAYZERO" analyze --protocol "$WORK/$spec.yaml" --out "$WORK/$spec" >/dev/null
  done
done
Rscript scripts/robustness-r-check.R "$WORK" Tests/DayZeroAnalysisTests/Fixtures/robustness-r-check.json
