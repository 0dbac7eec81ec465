#!/usr/bin/env python3
r"""Player-session KPIs on Spark: the same numbers as `streamlens kpis --json [--by …] [--minutes]`.

The definitions are those of the Rust local engine, crate `crates/sessions`, and nothing else:
  - reading and row checks: src/read.rs, src/read_csv.rs, src/rows.rs (+ crates/engine/src/io/
    values.rs for numbers and ISO-8601, crates/engine/src/io/csv.rs for separators and quotes);
  - sessions → views: src/view.rs (the per-view walk is a fold over each session's events);
  - KPIs: src/kpis.rs; per-minute series: src/series.rs; breakdowns: src/report.rs;
    the JSON shape: src/cli/kpis.rs in the repository root.
Quantiles are numpy's linear ones (crates/engine/src/stats.rs `quantile_sorted`), reproduced
exactly from ranks, not with Spark's `percentile` (whose interpolation rounds differently).
The code is split by those files into modules next to this one, all imported from its folder:
spark_common (constants, helpers), spark_inputs (which files, which format), spark_values
(CSV header, numbers, ISO-8601), spark_read (sources), spark_rows (row checks, events),
spark_views, spark_kpis, spark_minutes and spark_output (kpis.json, the Parquet tables).

Usage:
    python3 kpis_job.py (--master local[2] | --remote sc://HOST:15002) --out DIR
                        [--by dim1,dim2] [--minutes] [--conf KEY=VALUE]... [--verbose] PATHS...

PATHS are CSV files (plain or .gz), JSON Lines files (plain or .gz), Parquet files, or folders a
collector rolled (`date=YYYY-MM-DD/hour=HH/*.parquet`, crates/collector/src/roll.rs); several
are read as one log, in the order given. Written into DIR:
  kpis.json       exactly the shape of `streamlens kpis --json`: KPI keys at the top level,
                  `by` → dimension → value → KPI keys, and `minutes` (overall) with --minutes;
  kpis.parquet    one row per (dimension, value): dimension and value null for the overall row,
                  then every KPI (startup_ms.* flattened to startup_ms_mean, startup_ms_p50 …);
  minutes.parquet (with --minutes) one row per (dimension, value, minute_ms) with the columns of
                  `minutes`; each value's series runs from its views' first request minute to
                  their last event minute, as `streamlens kpis --only DIM=VALUE --minutes` gives.
All heavy work runs in Spark SQL (no Python UDFs); only headers, column names, per-file units
and the final KPI tables come to the driver. Runs the same through classic Spark and Spark
Connect. Needs: pip install 'pyspark[connect]==4.3.0' and Java 17.

A Spark Connect server on loopback, from the pip package (SPARK_HOME = the pyspark folder):
    SPARK_LOG_DIR=/tmp/sc-logs SPARK_PID_DIR=/tmp/sc-pid "$SPARK_HOME"/sbin/start-connect-server.sh \
      --master 'local[2]' --conf spark.connect.grpc.binding.address=127.0.0.1 \
      --conf spark.connect.grpc.binding.port=15002 --conf spark.ui.enabled=false \
      --conf spark.driver.bindAddress=127.0.0.1 --conf spark.driver.host=127.0.0.1
ready when its log says "Spark Connect server started at" (or the port accepts connections),
5–10 s; stop with SPARK_PID_DIR=/tmp/sc-pid "$SPARK_HOME"/sbin/stop-connect-server.sh.

Checked against the reference with scripts/spark/compare_kpis.py (tolerance 1e-9).
"""

import argparse
import os
import shutil
import sys
import time

from spark_common import JobError
from spark_inputs import discover
from spark_kpis import by_group, kpi_table, with_scores
from spark_minutes import check_span, minute_table
from spark_output import write_json, write_kpis, write_minutes
from spark_read import read_sources
from spark_rows import check_rows, checked_events, dimension_names, resolve_by, row_counts
from spark_values import build
from spark_views import views_of

START_TIME = time.monotonic()


def log(args, what):
    if args.verbose:
        print(f"[{time.monotonic() - START_TIME:7.2f} s] {what}", file=sys.stderr)


def session_for(args):
    from pyspark.sql import SparkSession
    b = SparkSession.builder.appName("streamlens-kpis")
    if args.remote:
        spark = b.remote(args.remote).getOrCreate()
    else:
        spark = (b.master(args.master).config("spark.ui.enabled", "false")
                 .config("spark.ui.showConsoleProgress", "false")
                 .config("spark.sql.shuffle.partitions", "8").getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
    for k, v in {
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.ansi.enabled": "false",          # failed casts are null, never errors
        "spark.sql.mapKeyDedupPolicy": "LAST_WIN",  # serde_json keeps a repeated key's last value
        "spark.sql.shuffle.partitions": "8",
    }.items():
        spark.conf.set(k, v)
    for kv in args.conf or []:
        k, _, v = kv.partition("=")
        spark.conf.set(k.strip(), v.strip())
    return spark


def run(args):
    by_wanted = [b.strip() for b in args.by.split(",") if b.strip()] if args.by else []
    inputs = discover(args.paths)
    out = args.out if "://" in args.out else os.path.abspath(args.out)
    if "://" not in out:
        os.makedirs(out, exist_ok=True)
    spark = session_for(args)
    log(args, "session ready")
    try:
        from pyspark.sql import Window
        tools = build(spark)
        F = tools[0]
        sources = read_sources(spark, tools, inputs)
        dims = resolve_by(by_wanted, dimension_names(sources))
        log(args, "headers and columns read")

        events = checked_events(tools, sources, dims)
        kept, dropped, files = row_counts(events)
        log(args, "rows checked")
        check_rows(sources, kept, dropped, files)

        sessions = views_of(F, events.where(F.col("reason").isNull()), len(dims))
        sessions = sessions.localCheckpoint()
        no_request = sessions.where(~F.col("has_request")).count()
        log(args, "sessions measured")
        views = with_scores(F, sessions.where(F.col("has_request")))
        gv = by_group(F, views, len(dims)).localCheckpoint()
        if args.minutes:
            check_span(F, views)

        result = write_kpis(spark, F, kpi_table(F, Window, gv, no_request), dims, no_request, out)
        log(args, "kpis.parquet written")
        if args.minutes:
            result["minutes"] = write_minutes(spark, F, minute_table(F, Window, gv), dims, out)
            log(args, "minutes.parquet written")
        elif "://" not in out and os.path.isdir(f"{out}/minutes.parquet"):
            shutil.rmtree(f"{out}/minutes.parquet")  # a former run's series would mislead
        write_json(result, out)
    finally:
        spark.stop()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--master", help="classic Spark master, e.g. local[2]")
    where.add_argument("--remote", help="Spark Connect server, e.g. sc://127.0.0.1:15002")
    p.add_argument("--out", required=True, help="folder for kpis.json and the Parquet tables")
    p.add_argument("--by", help="comma-separated dimensions (customer_id, country, …)")
    p.add_argument("--minutes", action="store_true", help="also the per-minute series")
    p.add_argument("--conf", action="append", metavar="KEY=VALUE",
                   help="a Spark SQL setting for this run (repeatable)")
    p.add_argument("--verbose", action="store_true", help="print the time of each step")
    p.add_argument("paths", nargs="+", metavar="PATHS")
    args = p.parse_args(argv)
    try:
        run(args)
    except JobError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
