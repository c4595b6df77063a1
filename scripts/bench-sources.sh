#!/usr/bin/env bash
# The sources benchmark (docs/performance.md, "Sources: OMOP pushdown"): a synthetic cohort of
# N screened patients (default 10 000) as a CSV study folder and as OMOP CDM 5.4 tables loaded
# into a throwaway PostgreSQL cluster; then `dayzero analyze` three ways — from the database
# with the pushdown, from the database reading every row (--no-pushdown), and from the CSV
# folder — timed, with the rows and bytes each database route received, and the three
# results.json compared (every statistic; provenance.inputHash aside).
#
#   scripts/bench-sources.sh [N]            # builds the release `dayzero` first
#   DAYZERO=path/to/dayzero scripts/bench-sources.sh 10000
#   WORK=/tmp/keep scripts/bench-sources.sh  # keep the folders (default: a temp dir, removed)
#   REUSE=1 WORK=/tmp/keep scripts/bench-sources.sh 10000
#                                           # use WORK/csv and WORK/omop if a previous run (or
#                                           # `dayzero simulate`) wrote them: the cohort is
#                                           # deterministic, so only the simulation is skipped
#
# Needs Debian's postgresql package (initdb, pg_ctl, psql; DAYZERO_PG_BIN overrides the
# folder) and python3. As root the cluster runs as the `postgres` user.
set -euo pipefail
N=${1:-10000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${DAYZERO:-}" ]; then
    swift build -c release --product dayzero --package-path "$ROOT" >&2
    DAYZERO="$ROOT/.build/release/dayzero"
fi
PGBIN=${DAYZERO_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}
KEEP=${WORK:+1}
WORK=${WORK:-$(mktemp -d /tmp/dayzero-bench-sources.XXXXXX)}
mkdir -p "$WORK"
chmod 755 "$WORK"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
PGDIR="$WORK/pg"
cleanup() {
    as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast stop >/dev/null 2>&1 || true
    [ -n "$KEEP" ] || rm -rf "$WORK"
}
trap cleanup EXIT

echo "# $N patients, work folder $WORK, $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${REUSE:-}" ] && [ -f "$WORK/csv/patients.csv" ]; then
    echo "reusing the simulated folder $WORK/csv"
else
    "$DAYZERO" simulate --patients "$N" --out "$WORK/csv" --force >/dev/null
fi
if [ -n "${REUSE:-}" ] && [ -f "$WORK/omop/measurement.csv" ]; then
    echo "reusing the simulated folder $WORK/omop"
else
    "$DAYZERO" simulate --patients "$N" --format omop --out "$WORK/omop" --force >/dev/null
fi
rm -rf "$WORK/pg"
chmod -R a+rX "$WORK/omop"

mkdir -p "$PGDIR"
[ "$(id -u)" = 0 ] && chown postgres "$PGDIR"
as_pg "$PGBIN/initdb" -D "$PGDIR/data" -U dayzero -A trust -E UTF8 --locale=C --no-sync >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w \
    -o "-k $PGDIR -c listen_addresses='' -p 5432 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
PSQL=("$PGBIN/psql" -h "$PGDIR" -U dayzero -d postgres -v ON_ERROR_STOP=1 -q)
"${PSQL[@]}" -c "CREATE DATABASE dayzero" >/dev/null
PSQL=("$PGBIN/psql" -h "$PGDIR" -U dayzero -d dayzero -v ON_ERROR_STOP=1 -q)
"$DAYZERO" analyze --print-sql ddl --schema cdm > "$WORK/ddl.sql"
{
    cat "$WORK/ddl.sql"
    for f in "$WORK"/omop/*.csv; do
        t=$(basename "$f" .csv)
        echo "\\copy cdm.$t FROM '$f' WITH (FORMAT csv, HEADER true)"
    done
    echo "ANALYZE;"
} | "${PSQL[@]}" >/dev/null
URL="postgresql://dayzero@localhost/dayzero?host=$PGDIR"
echo "measurement rows in the database: $("${PSQL[@]}" -At -c 'SELECT COUNT(*) FROM cdm.measurement'), drug_exposure rows: $("${PSQL[@]}" -At -c 'SELECT COUNT(*) FROM cdm.drug_exposure')"
echo "CSV folder: $(du -sh "$WORK/csv" | cut -f1), OMOP CSV files: $(du -sh "$WORK/omop" | cut -f1)"

run() {  # name, then the analyze arguments
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o "$WORK/$name.time" "$DAYZERO" analyze "$@" --out "$WORK/out-$name" --force --verbose \
        > "$WORK/$name.out" 2> "$WORK/$name.err"
    local load
    load=$(grep -o 'loading the study.*done ([0-9.]* s)' "$WORK/$name.err" | grep -o '[0-9.]* s' | tail -1 || true)
    read -r seconds kib < "$WORK/$name.time"
    printf '%-10s total %8.1f s, load %-9s peak %6d MiB  %s\n' "$name" "$seconds" "${load:-?}" $((kib / 1024)) \
        "$(grep -h '^transferred' "$WORK/$name.out" || echo '(no database)')"
}
run pushdown --omop "$URL" --schema cdm
run rows --omop "$URL" --schema cdm --no-pushdown
run csv --study "$WORK/csv"

python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
def load(name):
    r = json.load(open(f"{work}/out-{name}/results.json"))
    r["provenance"].pop("inputHash")
    return r
csv = load("csv")
for name in ("pushdown", "rows"):
    same = load(name) == csv
    print(f"results.json of {name} {'equals' if same else 'DIFFERS FROM'} the CSV route's (provenance.inputHash aside)")
    if not same:
        sys.exit(1)
PY
