"""Rows → checked, coded events: each row's time (in its file's unit, or ISO-8601), kind,
bitrate and ids, the reason a row is dropped, and the --by dimensions; then the per-file
counts of kept and dropped rows. Follows crates/sessions src/rows.rs (Coder::checked,
timestamp_ms), src/read.rs (a file without a valid row is an error) and src/report.rs
(Sessions::dimensions).
"""

import sys

from spark_common import (CUSTOMER, KINDS, MAX_PLAUSIBLE_MS, MISSING, SECONDS_MS_BOUNDARY,
                          JobError, ascii_lower)
from spark_values import iso_ms, iso_parts


def events_of(tools, source, dims):
    """Checked, coded rows of one source (src/rows.rs Coder::checked, in its order of checks):
    __sl_* (file order), src, reason (null: kept), ts, k, b, sid, vid, and one d<i> per --by dimension.
    Built in layers: Spark keeps a layer apart when inlining it would repeat costly
    expressions (regular expressions), so each cell is trimmed and parsed once."""
    F, _, number = tools
    c = F.col
    f = source.fields
    none = {t: F.lit(None).cast(t) for t in ("string", "double", "long")}
    ts_t, ts_n, ts_d = f["ts"]
    bt, bn = (f["bitrate_kbps"][0], f["bitrate_kbps"][1]) if "bitrate_kbps" in f else (None, None)

    def label(x):
        return F.when(x == "", MISSING).otherwise(x)

    dim_cols = []
    for i, d in enumerate(dims):
        x = f["customer_id"][0] if d == CUSTOMER and "customer_id" in f else source.dims.get(d)
        dim_cols.append((label(x) if x is not None else F.lit(MISSING)).alias(f"d{i}"))
    cells = source.frame.select(
        "__sl_arg", "__sl_path", "__sl_block", "__sl_mono", "__sl_malformed", "__sl_seconds",
        F.lit(source.label).alias("src"),
        (none["string"] if ts_t is None else ts_t).alias("ts_t"),
        (none["double"] if ts_n is None else ts_n).alias("ts_n"),
        (none["long"] if ts_d is None else ts_d).alias("ts_d"),
        f["event_type"][0].alias("kind_t"),
        *[f[n][0].alias(a) for n, a in (("session_id", "sid"), ("viewer_id", "vid"),
                                         ("event_id", "wid"))],
        (none["string"] if bt is None else bt).alias("bit_t"),
        (none["double"] if bn is None else bn).alias("bit_n"), *dim_cols)

    kinds = F.create_map(*[x for i, n in enumerate(KINDS) for x in (F.lit(n), F.lit(i))])
    parsed = cells.select(
        "*", F.coalesce(c("ts_n"), number(c("ts_t"))).alias("v"),
        # eq_ignore_ascii_case: no non-ASCII letter may fold into a name.
        F.when(c("kind_t").rlike("^[\\x00-\\x7F]*$"), kinds[F.lower(c("kind_t"))]).alias("k"),
        F.coalesce(c("bit_n"), F.when(c("bit_t") != "", number(c("bit_t")))).alias("b"))
    parsed = parsed.select("*", F.when(c("v").isNull() & c("ts_t").isNotNull(),
                                       iso_parts(F, c("ts_t"))).alias("iso"))

    # src/rows.rs timestamp_ms: a number in the file's unit (s or ms), else ISO-8601.
    v, seconds = c("v"), c("__sl_seconds")
    fits = (F.abs(v) < SECONDS_MS_BOUNDARY) == seconds
    scaled = F.round(v * F.when(seconds, 1000.0).otherwise(1.0), 0)
    finite = ~F.isnan(v) & (F.abs(v) < float("inf"))
    from_num = F.when(finite & fits & (scaled >= 0) & (scaled <= MAX_PLAUSIBLE_MS),
                      scaled.cast("long"))
    ms = F.coalesce(c("ts_d"), F.when(v.isNotNull(), from_num).otherwise(iso_ms(F, c("iso"))))
    timed = parsed.select("*", F.when((ms >= 0) & (ms <= MAX_PLAUSIBLE_MS), ms).alias("ts"))

    b = c("b")
    has_b = c("bit_n").isNotNull() | (c("bit_t").isNotNull() & (c("bit_t") != ""))
    b_bad = has_b & ~(b.isNotNull() & ~F.isnan(b) & (b >= 0) & (b < float("inf")))
    reason = (F.when(c("__sl_malformed"), "malformed_row")
              .when(c("ts").isNull(), "bad_timestamp")
              .when(c("k").isNull(), "unknown_event_type")
              .when((c("sid") == "") | (c("vid") == "") | (c("wid") == ""), "missing_id")
              .when(b_bad, "bad_bitrate"))
    return timed.select("__sl_arg", "__sl_path", "__sl_block", "__sl_mono", "src", reason.alias("reason"),
                        "ts", "k", "b", "sid", "vid", *[f"d{i}" for i in range(len(dims))])


def dimension_names(sources):
    """src/report.rs Sessions::dimensions: customer_id first (when any file has it), then
    every other column in first-seen order over the files."""
    names = []
    if any("customer_id" in s.fields for s in sources):
        names.append(CUSTOMER)
    for s in sources:
        for d in s.dims:
            if d not in names:
                names.append(d)
    return names


def resolve_by(by, names):
    out = []
    for wanted in by:
        hit = next((n for n in names if ascii_lower(n) == ascii_lower(wanted)), None)
        if hit is None:
            raise JobError(f"no dimension `{wanted}`; the file has: {', '.join(names)}")
        if hit not in out:
            out.append(hit)
    return out


def checked_events(tools, sources, dims):
    """The events of every source as one DataFrame, stored (see below)."""
    events = None
    for s in sources:
        e = events_of(tools, s, dims)
        events = e if events is None else events.unionByName(e)
    # Checkpoints cut the lineage: later plans start from the stored rows, not from
    # the parsing expressions (planning a cached plan this large took longer than running it).
    return events.localCheckpoint()


def row_counts(events):
    """Rows kept per file, dropped per reason, and the source of each file that had rows."""
    counts = events.groupBy("src", "__sl_path", "reason").count().collect()
    kept, dropped, files = {}, {}, {}
    for r in counts:
        files[r["__sl_path"]] = r["src"]
        kept.setdefault(r["__sl_path"], 0)
        if r["reason"] is None:
            kept[r["__sl_path"]] += r["count"]
        else:
            dropped[r["reason"]] = dropped.get(r["reason"], 0) + r["count"]
    return kept, dropped, files


def check_rows(sources, kept, dropped, files):
    """A note on the dropped rows; an error for a file or source left without any row."""
    if dropped:
        n = sum(dropped.values())
        detail = ", ".join(f"{k}: {v}" for k, v in sorted(dropped.items()))
        print(f"note: {n} row{'s' if n != 1 else ''} dropped ({detail})", file=sys.stderr)
    for path, n in kept.items():
        if n == 0:
            raise JobError(f"{path}: no valid row: every row was dropped (reasons in the "
                           f"note above); fix the file or leave it out")
    for s in sources:
        if s.label not in files.values():
            raise JobError(f"{s.label}: no rows after the header")
