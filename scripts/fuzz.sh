#!/usr/bin/env bash
# Coverage-guided fuzzing of DayZero's two readers of untrusted files with libFuzzer
# (docs/fuzzing.md):
#   csv       the study-folder import: CSV reading and row validation (StudyStore.readStudy)
#   protocol  the protocol reader: YAML, limits, decoding, validation (ProtocolYAML.check)
#
# Usage:
#   scripts/fuzz.sh build                       build both fuzzers (release, ASan + libFuzzer)
#   scripts/fuzz.sh run TARGET SECONDS [DIR]    build, then fuzz TARGET for SECONDS on one core;
#                                               crashes, hangs and OOMs are written to DIR
#                                               (default .build-fuzz/crashes/TARGET)
#   scripts/fuzz.sh repro TARGET FILE...        run the fuzzer on the given inputs only
#   scripts/fuzz.sh merge TARGET                add to the committed corpus the fewest inputs of
#                                               the campaigns' working corpus that reach the
#                                               edges it misses
#   scripts/fuzz.sh replay                      replay the committed corpus in the normal build
#                                               (what CI runs: swift test --filter DayZeroFuzzTests)
#
# Environment: FUZZ_FLAGS adds libFuzzer flags to `run` (e.g. FUZZ_FLAGS="-max_len=4096");
# FUZZ_MERGE_MAX_BYTES (default 8192) is the largest input `merge` commits.
#
# The fuzzers are the executables dayzero-fuzz-csv and dayzero-fuzz-protocol, built with
# -DDAYZERO_FUZZ (their LLVMFuzzerTestOneInput entry point instead of a stub main) and
# -sanitize=fuzzer,address in their own scratch folder .build-fuzz, so that the normal .build
# is untouched. One campaign uses one core (libFuzzer's default: one process, no -jobs).
set -euo pipefail
cd "$(dirname "$0")/.."

scratch=.build-fuzz
corpus=Tests/Fuzz/Corpus

usage() {
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
  exit 64
}

check_target() {
  case "${1:-}" in
    csv | protocol) ;;
    *) echo "fuzz.sh: unknown target '${1:-}' (csv or protocol)" >&2; exit 64 ;;
  esac
}

build() {
  for product in dayzero-fuzz-csv dayzero-fuzz-protocol; do
    swift build -c release --scratch-path "$scratch" \
      -Xswiftc -sanitize=fuzzer,address -Xswiftc -DDAYZERO_FUZZ -Xswiftc -use-ld=lld \
      --product "$product"
  done
}

binary() { echo "$scratch/release/dayzero-fuzz-$1"; }

# The csv target writes each input as a small study folder under TMPDIR: in memory when
# /dev/shm exists.
memory_tmpdir() {
  if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    TMPDIR=$(mktemp -d /dev/shm/dayzero-fuzz.XXXXXX)
    export TMPDIR
    trap 'rm -rf "$TMPDIR"' EXIT
  fi
}

# Flags shared by every run: a 10 s limit per input and 2 GB of memory (a slower or larger
# input is a finding like a crash), and the dictionary of the target. Leak detection is off:
# LeakSanitizer reports the lazily created globals of the Swift runtime and of DayZero
# (`static let`) as leaks; memory that really grows is caught by -rss_limit_mb.
common_flags() {
  echo "-timeout=10 -rss_limit_mb=2048 -detect_leaks=0 -dict=Tests/Fuzz/$1.dict"
}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

case "${1:-}" in
  build)
    build
    ;;
  run)
    check_target "${2:-}"
    target=$2
    seconds=${3:?fuzz.sh run TARGET SECONDS [DIR]}
    crashes=${4:-$scratch/crashes/$target}
    build
    work=$scratch/corpus/$target
    mkdir -p "$work" "$crashes"
    log=$scratch/fuzz-$target-$(date +%Y%m%d-%H%M%S).log
    memory_tmpdir
    echo "fuzz.sh: fuzzing $target for $seconds s; working corpus $work, crashes in $crashes, log $log"
    # New inputs go to the working corpus (the first folder); the committed corpus is read only.
    set +e
    # shellcheck disable=SC2046,SC2086
    "$(binary "$target")" $(common_flags "$target") -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="$crashes/" ${FUZZ_FLAGS:-} "$work" "$corpus/$target" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    set -e
    echo "fuzz.sh: $(find "$crashes" -type f | wc -l) file(s) in $crashes; exit status $status"
    exit "$status"
    ;;
  repro)
    check_target "${2:-}"
    target=$2
    shift 2
    [ $# -gt 0 ] || usage
    [ -x "$(binary "$target")" ] || build
    # shellcheck disable=SC2046
    "$(binary "$target")" $(common_flags "$target") "$@"
    ;;
  merge)
    check_target "${2:-}"
    target=$2
    [ -x "$(binary "$target")" ] || build
    before=$(find "$corpus/$target" -type f | wc -l)
    memory_tmpdir
    # Candidates: the working corpus's inputs of at most FUZZ_MERGE_MAX_BYTES (default 8192),
    # so that the committed corpus stays well under 1 MB (the protocol campaign's inputs are
    # mostly mutations of the 12.6 KB default protocol; the cap costs about 2% of its edges).
    candidates=$(mktemp -d "$scratch/merge-candidates.XXXXXX")
    find "$scratch/corpus/$target" -type f -size -"$((${FUZZ_MERGE_MAX_BYTES:-8192} + 1))"c \
      -exec cp {} "$candidates/" \;
    # A smallest set of inputs covering the edges that the committed corpus misses: edges, not
    # hit counts (-use_counters=0), chosen by set cover; this keeps the committed corpus small
    # (about a tenth of the files of a plain -merge=1) at the same edge coverage.
    # shellcheck disable=SC2046
    "$(binary "$target")" $(common_flags "$target") -use_counters=0 -set_cover_merge=1 \
      "$corpus/$target" "$candidates"
    rm -rf "$candidates"
    after=$(find "$corpus/$target" -type f | wc -l)
    echo "fuzz.sh: $corpus/$target: $before -> $after files, $(du -sh "$corpus/$target" | cut -f1);" \
      "update the expected counts in Tests/DayZeroFuzzTests/FuzzCorpusTests.swift"
    ;;
  replay)
    swift test --filter DayZeroFuzzTests
    ;;
  *)
    usage
    ;;
esac
