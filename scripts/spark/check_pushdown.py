#!/usr/bin/env python3
"""Runs DayZero's pushdown SQL (Spark dialect) on Apache Spark SQL in local mode over OMOP CSV
tables and compares its result with PostgreSQL's, row by row: the daily table, the last times,
the rows the validation refuses and the count of rows outside the window (the query's four
kinds of row, told apart by its `kind` column).

Not part of CI (it needs pyspark and a JVM). docs/sources.md, "Pushdown", "Checking the SQL
on Spark", gives the commands that produce its three inputs:

  --omop DIR        the OMOP tables as CSV files named after the tables (`dayzero simulate
                    --format omop --out DIR`, or exported from the database)
  --sql FILE        the Spark SQL (`dayzero analyze --print-sql spark --schema cdm ...`)
  --postgres FILE   PostgreSQL's result of the same query in its PostgreSQL dialect
                    (`dayzero analyze --print-sql postgresql ... | psql --csv -o FILE ...`)

NULLs (an aggregate the protocol does not need, the aggregates of a day with one value, sent
once as single_value, the columns of the other kinds) must match; integers and the single
value, minimum, maximum, first and last value (and a refused row's value) must be equal; the
sum (and so the mean, sum / n) within 1e-12 relative: a sum's rounding depends on the order the
engine adds the values in. Exit status 0 when every row agrees, 1 otherwise.
"""
import argparse
import csv
import math
import os
import sys
import tempfile

TABLES = ["person", "visit_detail", "death", "observation_period", "measurement", "concept_ancestor"]
# OMOPPushdownSQL.columns
COLUMNS = ["kind", "person_id", "parameter", "icu_day", "n", "single_value", "minimum", "maximum", "total",
           "day_first", "day_last", "any_nonzero", "row_id", "x", "unit", "seconds", "v", "has_datetime"]
INTEGERS = {"kind", "person_id", "parameter", "icu_day", "n", "any_nonzero", "row_id", "unit", "seconds", "has_datetime"}
EXACT = {"single_value", "minimum", "maximum", "day_first", "day_last", "x", "v"}
KINDS = ["daily", "last time", "check", "outside"]
RELATIVE = 1e-12


def schema_for(header):
    """Spark types from the CDM column names: ids and concept ids as 64-bit integers, dates,
    datetimes (wall-clock, read in the UTC session), the numeric values as doubles (Java's
    Double.parseDouble rounds correctly, as PostgreSQL's NUMERIC → DOUBLE PRECISION does)."""
    from pyspark.sql.types import (DateType, DoubleType, LongType, StringType, StructField,
                                   StructType, TimestampType)
    fields = []
    for name in header:
        if name.endswith("_datetime"):
            t = TimestampType()
        elif name.endswith("_date"):
            t = DateType()
        elif name in ("value_as_number", "range_low", "range_high", "quantity"):
            t = DoubleType()
        elif name.endswith("_id") or name.endswith("_of_separation") or name.startswith("year_of") \
                or name.startswith("month_of") or name.startswith("day_of"):
            t = LongType()
        else:
            t = StringType()
        fields.append(StructField(name, t, True))
    return StructType(fields)


def close(a, b):
    if a == b:
        return True
    return abs(a - b) <= RELATIVE * max(abs(a), abs(b))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--omop", required=True)
    parser.add_argument("--sql", required=True)
    parser.add_argument("--postgres", required=True)
    parser.add_argument("--schema", default="cdm")
    parser.add_argument("--driver-memory", default="6g",
                        help="the Spark driver's heap: the result is collected there (10 000 patients: 4 million rows; "
                             "the default 1g runs out)")
    args = parser.parse_args()

    from pyspark.sql import SparkSession
    warehouse = tempfile.mkdtemp(prefix="dayzero-spark-")
    spark = (SparkSession.builder.master("local[2]").appName("dayzero-pushdown-check")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.driver.memory", args.driver_memory)
             .config("spark.sql.warehouse.dir", warehouse)
             .config("spark.ui.enabled", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {args.schema}")
    for table in TABLES:
        path = os.path.join(args.omop, f"{table}.csv")
        with open(path, newline="") as f:
            header = next(csv.reader(f))
        df = (spark.read.option("header", True).option("timestampFormat", "yyyy-MM-dd HH:mm:ss")
              .option("dateFormat", "yyyy-MM-dd").schema(schema_for(header)).csv(path))
        df.write.mode("overwrite").saveAsTable(f"{args.schema}.{table}")

    query = open(args.sql).read().strip().rstrip(";")
    spark_rows = [tuple(r) for r in spark.sql(query).collect()]
    spark.stop()

    with open(args.postgres, newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != COLUMNS:
            print(f"unexpected PostgreSQL columns {reader.fieldnames}", file=sys.stderr)
            return 1
        pg_rows = []
        for r in reader:
            pg_rows.append(tuple(None if r[c] == "" else int(r[c]) if c in INTEGERS else float(r[c]) for c in COLUMNS))

    def key(r):  # kind, person, parameter, day, row id (NULLs first)
        return tuple((v is not None, v if v is not None else 0) for v in (r[0], r[1], r[2], r[3], r[12]))
    spark_rows.sort(key=key)
    pg_rows.sort(key=key)

    def counts(rows):
        by_kind = [sum(1 for r in rows if r[0] == k) for k in range(len(KINDS))]
        outside = sum(r[4] for r in rows if r[0] == 3)
        return ", ".join(f"{n} {name} rows" for n, name in zip(by_kind, KINDS)) + \
            f" ({outside} measurement rows outside the window)"
    print(f"PostgreSQL: {counts(pg_rows)}")
    print(f"Spark SQL:  {counts(spark_rows)}")
    if len(pg_rows) != len(spark_rows):
        print("the row counts differ", file=sys.stderr)
        return 1
    mismatches = 0
    largest = 0.0
    for p, s in zip(pg_rows, spark_rows):
        for i, c in enumerate(COLUMNS):
            a, b = p[i], s[i]
            if a is None or b is None:
                ok = a is None and b is None
            elif c in INTEGERS:
                ok = int(a) == int(b)
            elif c in EXACT:
                ok = float(a) == float(b)
            else:
                ok = close(float(a), float(b))
                if a != b:
                    largest = max(largest, abs(a - b) / max(abs(a), abs(b)))
            if c == "total" and a is not None and b is not None:
                mean_a, mean_b = float(a) / p[4], float(b) / s[4]
                ok = ok and close(mean_a, mean_b)
            if not ok:
                mismatches += 1
                if mismatches <= 10:
                    print(f"row {p[:4]} column {c}: PostgreSQL {a!r}, Spark {b!r}", file=sys.stderr)
    compared = len(pg_rows) * len(COLUMNS)
    print(f"compared {compared} values in {len(pg_rows)} rows: {mismatches} differ; "
          f"largest relative difference of a sum {largest:.3g} (tolerance {RELATIVE:g})")
    return 0 if mismatches == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
