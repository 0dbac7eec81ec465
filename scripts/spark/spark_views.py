"""Sessions → views: one ordered fold per session over its events (request, start, stalls,
pauses, bitrate), then the view's times and counts. Follows crates/sessions src/view.rs
(measure, advance_to, apply, close).
"""

from spark_common import BITRATE, END, ERROR, PAUSE, REQUEST, RESUME, STALL_END, STALL_START, START


def views_of(F, events, n_dims):
    """src/view.rs measure, one fold per session over its events in (time, file order)."""
    ev = F.struct("ts", "__sl_arg", "__sl_path", "__sl_block", "__sl_mono", "k", "b")
    first_req = F.min(F.when(F.col("k") == REQUEST, F.struct(
        "ts", "__sl_arg", "__sl_path", "__sl_block", "__sl_mono", "vid",
        *[f"d{i}" for i in range(n_dims)])))
    sessions = events.groupBy("sid").agg(F.sort_array(F.collect_list(ev)).alias("evs"),
                                         first_req.alias("req"))

    long0, dbl_null, long_null = F.lit(0).cast("long"), F.lit(None).cast("double"), F.lit(None).cast("long")
    zero = F.struct(
        F.lit(False).alias("r"), long_null.alias("treq"), long_null.alias("now"),
        F.lit(False).alias("st"), long_null.alias("tst"), F.lit(False).alias("fl"),
        F.lit(False).alias("vsf"), long_null.alias("ps"), long_null.alias("ss"),
        dbl_null.alias("rend"), long0.alias("pms"), long0.alias("sc"), long0.alias("sms"),
        long0.alias("plms"), long0.alias("rms"), F.lit(0.0).alias("bms"))

    def step(a, e):
        t, k, b = e["ts"], e["k"], e["b"]
        on = a["r"] | (k == REQUEST)  # events before the first request are ignored
        # advance_to: the stretch since the last event belongs to the state it left.
        dt = F.when(a["now"].isNotNull(), t - a["now"]).otherwise(0).cast("long")
        playing = a["st"] & a["ps"].isNull() & a["ss"].isNull()
        rated = playing & a["rend"].isNotNull()
        plms = a["plms"] + F.when(playing, dt).otherwise(0)
        rms = a["rms"] + F.when(rated, dt).otherwise(0)
        bms = a["bms"] + F.when(rated, a["rend"] * dt.cast("double")).otherwise(0.0)
        # apply: the first `start` starts; stalls only while playing; a pause or an end of
        # any kind ends a stall; pauses do not nest.
        is_start = (k == START) & ~a["st"]
        stall_begins = (k == STALL_START) & a["st"] & a["ss"].isNull() & a["ps"].isNull()
        stall_ends = k.isin(STALL_END, END, ERROR, PAUSE) & a["ss"].isNotNull()
        resumes = (k == RESUME) & a["ps"].isNotNull()
        new = F.struct(
            F.lit(True).alias("r"),
            F.coalesce(a["treq"], t).alias("treq"),
            t.alias("now"),
            (a["st"] | (k == START)).alias("st"),
            F.when(is_start, t).otherwise(a["tst"]).alias("tst"),
            (a["fl"] | (k == ERROR)).alias("fl"),
            (a["vsf"] | ((k == ERROR) & ~a["fl"] & ~a["st"])).alias("vsf"),
            F.when(resumes, long_null).when(k == PAUSE, F.coalesce(a["ps"], t))
             .otherwise(a["ps"]).alias("ps"),
            F.when(stall_begins, t).when(stall_ends, long_null).otherwise(a["ss"]).alias("ss"),
            F.when(k.isin(START, BITRATE), F.coalesce(b, a["rend"])).otherwise(a["rend"])
             .alias("rend"),
            (a["pms"] + F.when(resumes, t - a["ps"]).otherwise(0)).alias("pms"),
            (a["sc"] + F.when(stall_begins, 1).otherwise(0)).alias("sc"),
            (a["sms"] + F.when(stall_ends, t - a["ss"]).otherwise(0)).alias("sms"),
            plms.alias("plms"), rms.alias("rms"), bms.alias("bms"))
        return F.when(on, new).otherwise(a)

    walked = sessions.select("sid", "req", F.aggregate("evs", zero, step).alias("w"))
    w = F.col("w")
    # close: pauses and stalls still open at the last event last until it.
    tlast = w["now"]
    pms = w["pms"] + F.when(w["ps"].isNotNull(), tlast - w["ps"]).otherwise(0)
    sms = w["sms"] + F.when(w["ss"].isNotNull(), tlast - w["ss"]).otherwise(0)
    return walked.select(
        "sid", w["r"].alias("has_request"),
        F.col("req.vid").alias("viewer"),
        *[F.col(f"req.d{i}").alias(f"d{i}") for i in range(n_dims)],
        w["treq"].alias("t_req"), tlast.alias("t_last"), w["tst"].alias("t_start"),
        w["fl"].alias("failed"), w["vsf"].alias("vsf"),
        (~w["st"] & ~w["fl"]).alias("ebvs"), pms.alias("paused_ms"),
        w["sc"].alias("stall_count"), sms.alias("stall_ms"),
        (tlast - w["treq"] - pms).alias("watch_ms"), w["plms"].alias("playing_ms"),
        w["rms"].alias("rated_ms"), w["bms"].alias("bitrate_ms"))
