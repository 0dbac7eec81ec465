"""The per-minute series per (dimension, value): concurrency, requests, failures, startup
quantiles and rebuffering per minute, and the limit on a series' length. Follows
crates/sessions src/series.rs (minutes()) and src/cli/kpis.rs (MAX_MINUTES) in the repository
root.
"""

from spark_common import MAX_MINUTES, MINUTE_MS, JobError
from spark_kpis import minute, quantiles


def minute_table(F, Window, gv):
    """src/series.rs minutes(), per (g, value): every minute from the first request to the
    last event; concurrency of active views, the rest of the views requested in the minute."""
    keys = ["g", "value"]
    span = gv.groupBy(*keys).agg(F.min(minute(F, "t_req")).alias("a"),
                                 F.max(minute(F, "t_last")).alias("z"))
    grid = span.select(*keys, F.explode(F.sequence("a", "z")).alias("m"))
    deltas = gv.select(*keys, minute(F, "t_req").alias("m"), F.lit(1).alias("d")).unionByName(
        gv.select(*keys, (minute(F, "t_last") + 1).alias("m"), F.lit(-1).alias("d")))
    per = deltas.groupBy(*keys, "m").agg(F.sum("d").alias("d"))
    run = Window.partitionBy(*keys).orderBy("m").rowsBetween(Window.unboundedPreceding, 0)
    conc = (grid.join(per, keys + ["m"], "left")
            .withColumn("concurrent_views", F.sum(F.coalesce("d", F.lit(0))).over(run)))
    req = gv.withColumn("m", minute(F, "t_req"))
    started = F.col("started")
    counts = req.groupBy(*keys, "m").agg(
        F.count(F.lit(1)).alias("requested_views"),
        F.sum(F.col("failed").cast("long")).alias("failures"),
        F.sum(F.when(started, F.col("watch_ms")).otherwise(0)).alias("w"),
        F.sum(F.when(started, F.col("stall_ms")).otherwise(0)).alias("s"))
    q = quantiles(F, Window, req, keys + ["m"], "startup_ms", [0.5, 0.95])
    t = conc.join(counts, keys + ["m"], "left").join(q, keys + ["m"], "left")
    return t.select(
        *keys, (F.col("m") * MINUTE_MS).cast("long").alias("minute_ms"),
        F.col("concurrent_views").cast("long").alias("concurrent_views"),
        F.coalesce("requested_views", F.lit(0)).cast("long").alias("requested_views"),
        F.coalesce("failures", F.lit(0)).cast("long").alias("failures"),
        F.col("q0").alias("startup_p50_ms"), F.col("q1").alias("startup_p95_ms"),
        F.when(F.col("w") > 0, F.col("s").cast("double") / F.col("w").cast("double"))
         .alias("rebuffer_share"))


def check_span(F, views):
    """src/cli/kpis.rs refuses a series longer than MAX_MINUTES (checked before any work)."""
    span = views.agg(F.min(minute(F, "t_req")).alias("a"),
                     F.max(minute(F, "t_last")).alias("z")).collect()[0]
    if span["a"] is not None and span["z"] - span["a"] + 1 > MAX_MINUTES:
        raise JobError(f"the views span more than {MAX_MINUTES} minutes; narrow the "
                       f"input to fewer days")
