"""The outputs: kpis.parquet and minutes.parquet (one row per dimension and value, the overall
row with both null) and kpis.json, whose shape is that of `streamlens kpis --json`
(src/cli/kpis.rs in the repository root; KPI keys as in crates/sessions src/kpis.rs).
"""

import json
import os
import sys

KPI_KEYS = ["views", "sessions_without_request", "unique_viewers", "failure_share",
            "vsf_share", "ebvs_share", "startup_ms", "watch_time_s", "session_duration_s",
            "rebuffer_share", "stalls_per_hour", "mean_bitrate_kbps", "peak_concurrent_views",
            "peak_minute_ms", "playback_success_score", "startup_score", "smoothness_score",
            "experience_score"]


def kpis_json(row):
    out = {}
    for k in KPI_KEYS:
        if k == "startup_ms":
            out[k] = {s: row[f"startup_ms_{s}"] for s in ("mean", "p50", "p90", "p95")}
        else:
            out[k] = row[k]
    return out


def empty_overall(no_request):
    row = {k: None for k in KPI_KEYS}
    row.update(views=0, sessions_without_request=no_request, unique_viewers=0,
               startup_ms={"mean": None, "p50": None, "p90": None, "p95": None},
               watch_time_s=0.0, peak_concurrent_views=0)
    return row


def labelled(F, table, dims):
    """A (g, value) table with `dimension` and `value` columns instead, both null for g = 0."""
    names = F.create_map(*sum(([F.lit(i + 1), F.lit(d)] for i, d in enumerate(dims)), []))
    dim_name = (F.when(F.col("g") == 0, F.lit(None).cast("string"))
                .otherwise(names[F.col("g")]) if dims else F.lit(None).cast("string"))
    value = F.when(F.col("g") == 0, F.lit(None).cast("string")).otherwise(F.col("value"))
    return table.select(dim_name.alias("dimension"), value.alias("value"),
                        *[c for c in table.columns if c not in ("g", "value")])


def write_kpis(spark, F, table, dims, no_request, out):
    """Writes kpis.parquet (spark_kpis.kpi_table) and returns the kpis.json object built from
    it: read back, so the JSON holds exactly the values of the file."""
    (labelled(F, table, dims)
     .orderBy(F.col("dimension").asc_nulls_first(), "value")
     .coalesce(1).write.mode("overwrite").parquet(f"{out}/kpis.parquet"))
    rows = spark.read.parquet(f"{out}/kpis.parquet").collect()
    overall = [r for r in rows if r["dimension"] is None]
    result = kpis_json(overall[0].asDict()) if overall else empty_overall(no_request)
    result["by"] = {d: {} for d in dims}
    for r in rows:
        if r["dimension"] is not None:
            result["by"][r["dimension"]][r["value"]] = kpis_json(r.asDict())
    return result


def write_minutes(spark, F, table, dims, out):
    """Writes minutes.parquet (spark_minutes.minute_table) and returns the overall series,
    the `minutes` of kpis.json."""
    (labelled(F, table, dims)
     .repartition(1).sortWithinPartitions(F.col("dimension").asc_nulls_first(),
                                          "value", "minute_ms")
     .write.mode("overwrite").parquet(f"{out}/minutes.parquet"))
    series = (spark.read.parquet(f"{out}/minutes.parquet")
              .where(F.col("dimension").isNull()).drop("dimension", "value")
              .orderBy("minute_ms").collect())
    return [r.asDict() for r in series]


def write_json(result, out):
    """kpis.json into the output folder; printed instead when the folder is remote."""
    if "://" in out:
        print(json.dumps(result, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        with open(os.path.join(out, "kpis.json"), "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2, sort_keys=True, ensure_ascii=False)
            f.write("\n")
        print(f"wrote {out}/kpis.json", file=sys.stderr)
