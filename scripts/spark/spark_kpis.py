"""KPIs per (dimension, value): per-view scores, exact numpy-linear quantiles from ranks, and
the KPI table with peak concurrency. Follows crates/sessions src/kpis.rs (kpis(), the scores),
src/report.rs (breakdowns) and crates/engine/src/stats.rs (quantile_sorted).
"""

from spark_common import MINUTE_MS


def with_scores(F, views):
    """src/kpis.rs per-view scores (same operations in the same order, in doubles)."""
    started = F.col("t_start").isNotNull()
    startup = (F.col("t_start") - F.col("t_req")).cast("double")
    success = F.when(F.col("failed"), 0.0).when(F.col("ebvs"), 50.0).otherwise(100.0)
    sscore = F.when(started, F.lit(100.0) * 8.0 / (F.lit(8.0) + startup / 1000.0))
    half = F.col("stall_count").cast("double") / 2.0
    stalls = F.lit(100.0) / F.sqrt(F.lit(1.0) + half * half)
    share = F.lit(100.0) * F.exp(F.lit(-10.0) * F.col("stall_ms").cast("double")
                                 / F.col("watch_ms").cast("double"))
    smooth = F.when(started & (F.col("watch_ms") > 0), (stalls + share) / 2.0)
    total = success + F.coalesce(sscore, F.lit(0.0)) + F.coalesce(smooth, F.lit(0.0))
    count = 1 + sscore.isNotNull().cast("int") + smooth.isNotNull().cast("int")
    return views.select(
        "*", started.alias("started"), F.when(started, startup).alias("startup_ms"),
        success.alias("success"), sscore.alias("startup_score"),
        smooth.alias("smoothness_score"), (total / count.cast("double")).alias("experience"))


# ------------------------------------------------------------------------------ aggregates


def quantiles(F, Window, df, keys, value, qs):
    """numpy linear quantiles per group, exactly (stats.rs quantile_sorted): the values at
    ranks ⌊q(n−1)⌋ and ⌈q(n−1)⌉ from cumulative counts of distinct values, then
    lo + (hi − lo)·frac in the same order of operations."""
    freq = df.where(F.col(value).isNotNull()).groupBy(*keys, value).count()
    w = Window.partitionBy(*keys).orderBy(value).rowsBetween(Window.unboundedPreceding, 0)
    cum = (freq.withColumn("upto", F.sum("count").over(w))
           .withColumn("n", F.sum("count").over(Window.partitionBy(*keys))))
    aggs, out = [], []
    for i, q in enumerate(qs):
        pos = F.lit(q) * (F.col("n") - 1).cast("double")
        lo, hi = F.floor(pos), F.ceil(pos)
        inside = lambda r: (F.col("upto") - F.col("count") <= r) & (r < F.col("upto"))  # noqa: E731
        aggs += [F.max(F.when(inside(lo), F.col(value))).alias(f"lo{i}"),
                 F.max(F.when(inside(hi), F.col(value))).alias(f"hi{i}"),
                 F.max(pos - lo.cast("double")).alias(f"fr{i}")]
    picked = cum.groupBy(*keys).agg(*aggs)
    for i in range(len(qs)):
        lo, hi, fr = F.col(f"lo{i}"), F.col(f"hi{i}"), F.col(f"fr{i}")
        out.append((lo + (hi - lo) * fr).alias(f"q{i}"))
    return picked.select(*keys, *out)


def minute(F, c):
    return F.expr(f"{c} div {MINUTE_MS}")  # times are ≥ 0, so this is div_euclid


def kpi_table(F, Window, gv, no_request):
    """src/kpis.rs kpis(), per (g, value); g = 0 is the overall row."""
    keys = ["g", "value"]
    started = F.col("started")
    watch_started = F.sum(F.when(started, F.col("watch_ms")).otherwise(0))
    base = gv.groupBy(*keys).agg(
        F.count(F.lit(1)).alias("views"),
        F.countDistinct("viewer").alias("unique_viewers"),
        F.sum(F.col("failed").cast("long")).alias("n_failed"),
        F.sum(F.col("vsf").cast("long")).alias("n_vsf"),
        F.sum(F.col("ebvs").cast("long")).alias("n_ebvs"),
        F.avg("startup_ms").alias("startup_mean"),
        F.sum("watch_ms").alias("watch_sum"),
        F.avg(F.col("watch_ms").cast("double") / 1000.0).alias("session_duration_s"),
        watch_started.alias("watch_started"),
        F.sum(F.when(started, F.col("stall_ms")).otherwise(0)).alias("stall_started"),
        F.sum(F.when(started, F.col("stall_count")).otherwise(0)).alias("stalls_started"),
        F.sum("rated_ms").alias("rated"), F.sum("bitrate_ms").alias("bitrate_sum"),
        F.avg("success").alias("playback_success_score"),
        F.avg("startup_score").alias("startup_score"),
        F.avg("smoothness_score").alias("smoothness_score"),
        F.avg("experience").alias("experience_score"))
    q = quantiles(F, Window, gv, keys, "startup_ms", [0.5, 0.9, 0.95])
    # Peak concurrency: +1 from the request minute, −1 after the last event's minute.
    deltas = gv.select(*keys, minute(F, "t_req").alias("m"), F.lit(1).alias("d")).unionByName(
        gv.select(*keys, (minute(F, "t_last") + 1).alias("m"), F.lit(-1).alias("d")))
    per = deltas.groupBy(*keys, "m").agg(F.sum("d").alias("d"))
    run = Window.partitionBy(*keys).orderBy("m").rowsBetween(Window.unboundedPreceding, 0)
    active = per.withColumn("active", F.sum("d").over(run))
    peak = active.groupBy(*keys).agg(F.max(F.struct("active", (-F.col("m")).alias("neg")))
                                     .alias("p"))
    t = base.join(q, keys, "left").join(peak, keys, "left")
    n = F.col("views").cast("double")
    ws = F.col("watch_started")
    return t.select(
        "g", "value", "views",
        F.when(F.col("g") == 0, F.lit(no_request)).otherwise(0).cast("long")
         .alias("sessions_without_request"),
        "unique_viewers",
        (F.col("n_failed") / n).alias("failure_share"),
        (F.col("n_vsf") / n).alias("vsf_share"),
        (F.col("n_ebvs") / n).alias("ebvs_share"),
        F.col("startup_mean").alias("startup_ms_mean"),
        F.col("q0").alias("startup_ms_p50"), F.col("q1").alias("startup_ms_p90"),
        F.col("q2").alias("startup_ms_p95"),
        (F.col("watch_sum").cast("double") / 1000.0).alias("watch_time_s"),
        "session_duration_s",
        F.when(ws > 0, F.col("stall_started").cast("double") / ws.cast("double"))
         .alias("rebuffer_share"),
        F.when(ws > 0, F.col("stalls_started").cast("double") / (ws.cast("double") / 3.6e6))
         .alias("stalls_per_hour"),
        F.when(F.col("rated") > 0, F.col("bitrate_sum") / F.col("rated").cast("double"))
         .alias("mean_bitrate_kbps"),
        F.col("p.active").cast("long").alias("peak_concurrent_views"),
        (-F.col("p.neg") * MINUTE_MS).cast("long").alias("peak_minute_ms"),
        "playback_success_score", "startup_score", "smoothness_score", "experience_score")


def by_group(F, views, n_dims):
    """Every view once overall (g = 0), and once per --by dimension (g = i + 1) under its
    value, so one grouping by (g, value) gives the overall row and every breakdown."""
    gv = views.select(F.lit(0).alias("g"), F.lit("").alias("value"), "*")
    for i in range(n_dims):
        gv = gv.unionByName(views.select(F.lit(i + 1).alias("g"),
                                         F.col(f"d{i}").alias("value"), "*"))
    return gv
