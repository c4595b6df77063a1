#!/bin/sh
# Regenerates kooistra-default-r-recompute.json: R's recomputation (scripts/recompute.R) of every
# p-value, mixed-model F and DenDF, outcome effect (hazard ratio, risk difference, odds ratio,
# E-value), propensity score, MatchIt pair and balance SMD, and the overlap-weighted set's
# weights, ESS, balance, weighted Kaplan-Meier and weighted kinetics tests, of the default
# workup (`dayzero analyze` without arguments: the synthetic Kooistra cohort, the default
# protocol, seed 1). Read by DefaultCohortRParityTests; CI needs no R.
#
#   sh Tests/DayZeroAnalysisTests/Fixtures/kooistra-default-r-recompute.sh
#
# Needs R 4.2.2 with jsonlite, lme4, lmerTest, survival, cmprsk, MatchIt, survey (see scripts/recompute.R).
set -eu
root=$(cd "$(dirname "$0")/../../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$root"
swift run dayzero analyze --out "$out/analysis" --force
Rscript scripts/recompute.R "$out/analysis" --json Tests/DayZeroAnalysisTests/Fixtures/kooistra-default-r-recompute.json
