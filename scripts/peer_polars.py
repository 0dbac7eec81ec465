"""The peer for BENCHMARKS.md (issue 15): what a skilled polars + scipy user writes for the
same seven analyses that `streamlens analyze DATA --charts none --out DIR` puts in
DIR/analysis.json, with the same definitions (see README "streamlens analyze" and
crates/engine/src/analysis/), vectorised with polars group-bys, numpy sorting and scipy.stats.

    python3 scripts/peer_polars.py DATA.csv --out peer.json [--check DIR/analysis.json]

It prints the wall time of loading, of each analysis and the total, writes its results as
JSON in analysis.json's shape, and with --check compares every number it computed with
streamlens' analysis.json (relative tolerance 1e-9 for statistics, 1e-6 for p- and
q-values; p-values below 1e-100 need only be below it on both sides), prints each mismatch
and exits 1 if there is any.

Scope: all rows, default parameters (group by viewer type, top 6 groups, 1-minute bins
since each event's first sample; differences of qoe, min 30 samples, q < 0.01, D >= 0.1).
Loading keeps streamlens' main bad-row rules (missing values, qoe/engagement outside
[0, 1], negative buffer_ms, a repeated (viewer, timestamp)); timestamps must be unix ms.
"""

import argparse
import json
import math
import sys
import time

import numpy as np
import polars as pl
from scipy import stats

TS, EVENT, VIEWER = "timestamp", "event_id", "viewer_id"
# p-values below this are only checked to be below it on both sides (see compare).
TINY_P = 1e-100
CUSTOMER, COUNTRY, CITY, VTYPE = "customer_id", "country_id", "city_id", "viewer_type"
QOE, ENG, BUF = "qoe", "engagement", "buffer_ms"
CANONICAL = [TS, CUSTOMER, EVENT, VIEWER, CITY, COUNTRY, VTYPE, QOE, ENG, BUF]
METRICS = [QOE, ENG]
QUANTILES = [0.1, 0.25, 0.5, 0.75, 0.9]
TOP_K = 6
BIN_MS = 60_000
MAX_SAMPLE_MS = 120_000
MIN_SAMPLES, MAX_Q, MIN_D = 30, 0.01, 0.1


def label(v):
    """An id as streamlens prints it (integers without a decimal point)."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def opt(x):
    """A float for JSON; None for NaN / missing."""
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


# ---------------------------------------------------------------- loading


def load(path):
    df = pl.read_csv(path, infer_schema_length=10_000)
    casts = [pl.col(TS).cast(pl.Int64)]
    casts += [pl.col(c).cast(pl.Float64) for c in (QOE, ENG, BUF) if c in df.columns]
    for c in (CUSTOMER, EVENT, VIEWER, CITY, COUNTRY):
        if c in df.columns and df.schema[c].is_float():
            casts.append(pl.col(c).cast(pl.Int64))
    if VTYPE in df.columns:
        casts.append(pl.col(VTYPE).cast(pl.String).str.strip_chars().str.to_uppercase())
    df = df.with_columns(casts)
    required = [c for c in CANONICAL if c in df.columns]
    ok = pl.all_horizontal(pl.col(required).is_not_null())
    ok &= pl.col(QOE).is_between(0, 1) & pl.col(ENG).is_between(0, 1)
    if BUF in df.columns:
        ok &= pl.col(BUF).is_finite() & (pl.col(BUF) >= 0)
    df = df.filter(ok)
    # A second row for the same viewer and timestamp is dropped (the first stays).
    return df.filter(pl.struct(VIEWER, TS).is_first_distinct())


def extra_numeric(df):
    return [c for c, t in df.schema.items() if c not in CANONICAL and t.is_numeric()]


# ---------------------------------------------------------------- 1. over time


def over_time(df):
    if VTYPE in df.columns:
        counts = df.group_by(VTYPE).len().with_columns(pl.col(VTYPE).cast(pl.String))
        counts = counts.sort(["len", VTYPE], descending=[True, False])
        top = counts[VTYPE].to_list()[:TOP_K]
        group = (
            pl.when(pl.col(VTYPE).is_in(top)).then(pl.col(VTYPE).cast(pl.String)).otherwise(pl.lit("other"))
        )
        order = top + (["other"] if counts.height > len(top) else [])
    else:
        group, order = pl.lit("all"), ["all"]
    minute = (pl.col(TS) - pl.col(TS).min().over(EVENT)) // BIN_MS
    cells = df.select(group.alias("group"), minute.alias("minute"), *METRICS)
    aggs = []
    for m in METRICS:
        aggs.append(pl.col(m).mean().alias(f"{m}|mean"))
        for q in QUANTILES:
            aggs.append(pl.col(m).quantile(q, interpolation="linear").alias(f"{m}|p{round(q * 100)}"))
    table = cells.group_by("group", "minute").agg(pl.len().alias("n"), *aggs)
    rank = {g: i for i, g in enumerate(order)}
    table = table.with_columns(pl.col("group").replace_strict(rank, return_dtype=pl.Int32).alias("slot"))
    table = table.sort("slot", "minute")
    out = {}
    for m in METRICS:
        out[m] = [
            {
                "group": r["group"],
                "minute": r["minute"],
                "n": r["n"],
                "mean": r[f"{m}|mean"],
                **{f"p{round(q * 100)}": r[f"{m}|p{round(q * 100)}"] for q in QUANTILES},
            }
            for r in table.iter_rows(named=True)
        ]
    return out


# ---------------------------------------------------------------- 2. viewer types


def viewer_types(df):
    if VTYPE not in df.columns:
        return {}
    out = {}
    for m in METRICS:
        summary = (
            df.group_by(VTYPE)
            .agg(
                pl.len().alias("n"),
                pl.col(m).mean().alias("mean"),
                pl.col(m).median().alias("median"),
                pl.col(m).std(ddof=1).alias("std"),
            )
            .sort(VTYPE)
        )
        types = summary[VTYPE].to_list()
        res = {
            "compared": None,
            "ks_statistic": None,
            "ks_p_value": None,
            "mw_u": None,
            "mw_p_value": None,
            "groups": {
                r[VTYPE]: {"n": r["n"], "mean": r["mean"], "median": r["median"], "std": opt(r["std"])}
                for r in summary.iter_rows(named=True)
            },
        }
        if len(types) >= 2:
            a = df.filter(pl.col(VTYPE) == types[0])[m].to_numpy()
            b = df.filter(pl.col(VTYPE) == types[1])[m].to_numpy()
            ks = stats.ks_2samp(a, b, method="asymp")
            mw = stats.mannwhitneyu(a, b, method="asymptotic", use_continuity=True)
            res.update(
                compared=types[:2],
                ks_statistic=float(ks.statistic),
                ks_p_value=float(ks.pvalue),
                mw_u=float(mw.statistic),
                mw_p_value=float(mw.pvalue),
            )
        out[m] = res
    return out


# ---------------------------------------------------------------- 3. engagement levels


def level_label(level):
    return f"{level / 10:.1f}"


def level_durations(df):
    dims = [(d, k) for d, k in ((VTYPE, "by_viewer_type"), (COUNTRY, "by_country"), (CITY, "by_city")) if d in df.columns]
    x = pl.col(ENG) * 10
    # Rounded half away from zero (exactly: x − floor(x) is exact in floating point).
    level = pl.min_horizontal(x.floor() + (x - x.floor() >= 0.5).cast(pl.Float64), pl.lit(10.0)).cast(pl.Int64)
    s = df.select(TS, EVENT, VIEWER, ENG, *[d for d, _ in dims]).sort(EVENT, VIEWER, TS)
    same = (pl.col(EVENT) == pl.col(EVENT).shift(-1)) & (pl.col(VIEWER) == pl.col(VIEWER).shift(-1))
    gap = pl.col(TS).shift(-1) - pl.col(TS)
    s = s.with_columns(level.alias("level"), same.fill_null(False).alias("same"), gap.alias("gap"))
    s = s.with_columns(
        pl.when("same").then(pl.min_horizontal("gap", pl.lit(MAX_SAMPLE_MS))).otherwise(0).alias("dur")
    )
    seconds, share, mean_run = {}, {}, {}
    for d, key in dims:
        # A run ends at a sample unless the same viewer's next sample in the event
        # continues it: same group, same level, gap at most the cap.
        cont = (
            pl.col("same")
            & (pl.col(d) == pl.col(d).shift(-1))
            & (pl.col("level") == pl.col("level").shift(-1))
            & (pl.col("gap") <= MAX_SAMPLE_MS)
        ).fill_null(False)
        ends = s.select(d, "level", "dur", (~cont).alias("run_ends"))
        agg = ends.group_by(d, "level").agg(pl.col("dur").sum().alias("ms"), pl.col("run_ends").sum().alias("runs"))
        ms = {}
        runs = {}
        for g, lv, t, r in agg.iter_rows():
            ms.setdefault(g, [0] * 11)[lv] = t
            runs.setdefault(g, [0] * 11)[lv] = r
        seconds[key], share[key], mean_run[key] = {}, {}, {}
        for g in ms:
            total = sum(ms[g])
            for lv in range(11):
                cell = f"{label(g)}|{level_label(lv)}"
                seconds[key][cell] = ms[g][lv] / 1000.0
                share[key][cell] = ms[g][lv] / total if total > 0 else 0.0
                # Every sample's duration belongs to exactly one run: run time = level time.
                mean_run[key][cell] = ms[g][lv] / 1000.0 / runs[g][lv] if runs[g][lv] > 0 else None
    return {"level_duration_s": seconds, "level_share": share, "level_mean_run_s": mean_run}


# ---------------------------------------------------------------- 4. differences


def differences(df, metric=QOE):
    dims = [(d, k) for d, k in ((COUNTRY, "country_differences"), (CITY, "city_differences")) if d in df.columns]
    out = {"differences_metric": metric, **{k: [] for _, k in dims}}
    has_customer = CUSTOMER in df.columns
    cols = [metric] + [d for d, _ in dims]
    if has_customer:
        parts = df.select(CUSTOMER, *cols).partition_by(CUSTOMER, as_dict=True, include_key=False)
        parts = sorted(((label(k[0]), v) for k, v in parts.items()), key=lambda kv: kv[0])
    else:
        parts = [("all", df.select(cols))]
    for customer, sub in parts:
        v = sub[metric].to_numpy()
        order = np.argsort(v, kind="stable")
        vs = v[order]
        n_all = len(vs)
        points = np.unique(vs)
        below_all = np.searchsorted(vs, points, side="right")
        for d, key in dims:
            g = sub[d].to_numpy()[order]
            groups, inv, counts = np.unique(g, return_inverse=True, return_counts=True)
            tested = np.flatnonzero((counts >= MIN_SAMPLES) & (n_all - counts >= MIN_SAMPLES))
            if len(tested) == 0:
                continue
            # Each group's values, still sorted: a stable sort of positions by group.
            by_group = np.split(vs[np.argsort(inv, kind="stable")], np.cumsum(counts)[:-1])
            n_g = counts[tested].astype(np.float64)
            n_r = n_all - n_g
            ks_d = np.empty(len(tested))
            for i, k in enumerate(tested):
                below_g = np.searchsorted(by_group[k], points, side="right")
                ks_d[i] = np.max(np.abs(below_g / n_g[i] - (below_all - below_g) / n_r[i]))
            # = scipy.stats.ks_2samp(group, rest, method="asymp").pvalue, for all groups at once.
            p = np.clip(stats.kstwo.sf(ks_d, np.round(n_g * n_r / (n_g + n_r))), 0, 1)
            q = stats.false_discovery_control(p, method="bh")
            for i, k in enumerate(tested):
                out[key].append(
                    {
                        "customer_id": customer,
                        d: label(groups[k].item()),
                        "n": int(n_g[i]),
                        "n_rest": int(n_r[i]),
                        "ks_statistic": float(ks_d[i]),
                        "p_value": float(p[i]),
                        "q_value": float(q[i]),
                        "differs": bool(q[i] < MAX_Q and ks_d[i] >= MIN_D),
                    }
                )
    return out


# ---------------------------------------------------------------- 5. correlations


def correlation(df):
    columns = [c for c in (QOE, ENG, BUF) if c in df.columns] + extra_numeric(df)
    x = df.select(pl.col(columns).cast(pl.Float64))
    data = x.to_numpy().T
    ranks = x.select(pl.all().rank("average")).to_numpy().T.astype(np.float64)
    constant = data.min(axis=1) == data.max(axis=1)
    with np.errstate(all="ignore"):
        pear = np.clip(np.corrcoef(data), -1, 1)
        spear = np.clip(np.corrcoef(ranks), -1, 1)

    def matrix(r):
        return [
            [None if constant[i] or constant[j] else (1.0 if i == j else float(r[i, j])) for j in range(len(columns))]
            for i in range(len(columns))
        ]

    return {"columns": columns, "pearson": matrix(pear), "spearman": matrix(spear)}


# ---------------------------------------------------------------- 6. events (+ pairs for 7)


def event_table(df):
    has = {c: c in df.columns for c in (CUSTOMER, COUNTRY, BUF)}
    x = df.with_row_index("row")
    pair_aggs = [
        pl.col(TS).min().alias("first_ts"),
        pl.col(TS).max().alias("last_ts"),
        pl.col(ENG).mean().alias("mean_engagement"),
    ]
    first = pl.col(TS).arg_min()
    if has[COUNTRY]:
        pair_aggs.append(pl.col(COUNTRY).get(first).alias("country"))
    if has[CUSTOMER]:
        pair_aggs.append(pl.col(CUSTOMER).get(first).alias("customer"))
    pairs = x.group_by(EVENT, VIEWER).agg(pair_aggs)
    ev_aggs = [
        pl.col(TS).min().alias("start_ms"),
        pl.col(TS).max().alias("end_ms"),
        pl.len().alias("samples"),
        pl.col(QOE).mean().alias("mean_qoe"),
        pl.col(ENG).mean().alias("mean_engagement"),
    ]
    if has[BUF]:
        ev_aggs.append(pl.col(BUF).mean().alias("mean_buffer_ms"))
    if has[COUNTRY]:
        ev_aggs.append(pl.col(COUNTRY).n_unique().alias("countries"))
    events = x.group_by(EVENT).agg(ev_aggs)
    span = pl.col("end_ms") - pl.col("start_ms")
    pairs = pairs.join(events.select(EVENT, span.alias("span")), on=EVENT)
    pairs = pairs.with_columns(
        pl.when(pl.col("span") > 0)
        .then((pl.col("last_ts") - pl.col("first_ts")) / pl.col("span"))
        .otherwise(0.0)
        .alias("retention")
    )
    per_event = [pl.len().alias("viewers"), pl.col("retention").mean().alias("mean_retention")]
    if has[CUSTOMER]:
        # streamlens names an event's customer by the customer of the first sample of the
        # event's viewer seen earliest in the file (viewer codes are first-appearance order).
        seen = x.group_by(VIEWER).agg(pl.col("row").min().alias("viewer_code"))
        pairs = pairs.join(seen, on=VIEWER)
        per_event.append(pl.col("customer").sort_by("viewer_code").first().alias("customer_id"))
    events = events.join(pairs.group_by(EVENT).agg(per_event), on=EVENT)
    events = events.with_columns(
        (span / 1000.0).alias("duration_s"),
        ((pl.col("start_ms") // 86_400_000 + 3) % 7).alias("weekday"),
    ).sort("start_ms", pl.col(EVENT).cast(pl.String))
    table = {}
    for r in events.iter_rows(named=True):
        table[label(r[EVENT])] = {
            "customer_id": label(r["customer_id"]) if has[CUSTOMER] else None,
            "start_ms": r["start_ms"],
            "end_ms": r["end_ms"],
            "duration_s": r["duration_s"],
            "viewers": r["viewers"],
            "countries": r["countries"] if has[COUNTRY] else None,
            "mean_qoe": r["mean_qoe"],
            "mean_engagement": r["mean_engagement"],
            "mean_buffer_ms": r["mean_buffer_ms"] if has[BUF] else None,
            "weekday": r["weekday"],
            "mean_retention": r["mean_retention"],
            "samples": r["samples"],
        }
    return table, events, pairs


# ---------------------------------------------------------------- 7. engagement drivers


def pearson(x, y):
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(np.clip(np.corrcoef(x, y)[0, 1], -1, 1))


def eta(values, groups):
    """Correlation ratio over the non-empty groups; None below two groups or no variance."""
    values = np.asarray(values, np.float64)
    _, inv = np.unique(np.asarray(groups), return_inverse=True)
    n = np.bincount(inv)
    if len(n) < 2:
        return None
    m = values.mean()
    total = np.sum((values - m) ** 2)
    if total == 0:
        return None
    between = np.sum(n * (np.bincount(inv, weights=values) / n - m) ** 2)
    return float(np.sqrt(between / total))


def drivers(events, pairs):
    e = events["mean_engagement"].to_numpy()
    return {
        "viewers": pearson(events["viewers"].to_numpy(), e),
        "duration": pearson(events["duration_s"].to_numpy(), e),
        "weekday": eta(e, events["weekday"].to_numpy()),
        "country": eta(pairs["mean_engagement"].to_numpy(), pairs["country"].to_numpy())
        if "country" in pairs.columns
        else None,
        "retention": pearson(pairs["retention"].to_numpy(), pairs["mean_engagement"].to_numpy()),
    }


# ---------------------------------------------------------------- check


P_KEYS = {"ks_p_value", "mw_p_value", "p_value", "q_value"}


def keyed(section, rows):
    """List sections as maps, so rows are matched by their keys rather than position."""
    if section == "over_time":
        return {f"{r['group']}@{r['minute']}": r for r in rows}
    if section.endswith("_differences"):
        return {f"{r['customer_id']}/{r.get('country_id', r.get('city_id'))}": r for r in rows}
    return rows


def compare(mine, ref, path, key, problems, counter):
    if isinstance(mine, list) and mine and isinstance(mine[0], dict) and isinstance(ref, list):
        section = path.split("/")[0]
        mine, ref = keyed(section, mine), keyed(section, ref)
    if isinstance(mine, dict):
        if not isinstance(ref, dict):
            problems.append(f"{path}: {type(ref).__name__} in streamlens")
            return
        for k in sorted(set(mine) | set(ref), key=str):
            if k not in ref:
                problems.append(f"{path}/{k}: only in the peer")
            elif k not in mine:
                problems.append(f"{path}/{k}: only in streamlens")
            else:
                compare(mine[k], ref[k], f"{path}/{k}", k, problems, counter)
        return
    if isinstance(mine, list):
        if not isinstance(ref, list) or len(ref) != len(mine):
            problems.append(f"{path}: length {len(mine)} vs {len(ref) if isinstance(ref, list) else ref!r}")
            return
        for i, (a, b) in enumerate(zip(mine, ref)):
            compare(a, b, f"{path}[{i}]", key, problems, counter)
        return
    counter[0] += 1
    if isinstance(mine, bool) or isinstance(mine, str) or mine is None or isinstance(ref, (bool, str)) or ref is None:
        if mine != ref:
            problems.append(f"{path}: peer {mine!r}, streamlens {ref!r}")
        return
    tol = 1e-6 if key in P_KEYS else 1e-9
    # Below 1e-100 the two KS p-value codes (scipy's kstwo approximation, streamlens' exact
    # series) differ in the third digit; no decision depends on those digits, so such
    # p-values only have to be both that small.
    if key in P_KEYS and max(abs(mine), abs(ref)) < TINY_P:
        return
    if not math.isclose(mine, ref, rel_tol=tol, abs_tol=0.0):
        rel = abs(mine - ref) / max(abs(mine), abs(ref))
        problems.append(f"{path}: peer {mine!r}, streamlens {ref!r} (relative {rel:.2e})")


# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data")
    ap.add_argument("--out", required=True, help="JSON file to write the results to")
    ap.add_argument("--check", help="streamlens' analysis.json to compare with")
    args = ap.parse_args()

    timings = []

    def timed(name, fn, *a):
        t0 = time.perf_counter()
        r = fn(*a)
        dt = time.perf_counter() - t0
        timings.append(dt)
        print(f"{name:<22} {dt:8.3f} s", flush=True)
        return r

    df = timed("load", load, args.data)
    doc = {"rows": df.height}
    doc["over_time"] = timed("over time", over_time, df)
    doc["viewer_type"] = timed("viewer types", viewer_types, df)
    doc.update(timed("engagement levels", level_durations, df))
    doc.update(timed("differences", differences, df))
    doc["correlation"] = timed("correlations", correlation, df)
    doc["events"], events, pairs = timed("events", event_table, df)
    doc["engagement_vs"] = timed("engagement drivers", drivers, events, pairs)
    print(f"{'total (with load)':<22} {sum(timings):8.3f} s   ({sum(timings[1:]):.3f} s without load)")

    with open(args.out, "w") as f:
        json.dump(doc, f, indent=1)

    if args.check:
        with open(args.check) as f:
            ref = json.load(f)
        problems, counter = [], [0]
        for k in doc:
            if k not in ref:
                problems.append(f"{k}: missing in streamlens' analysis.json")
            else:
                compare(doc[k], ref[k], k, k, problems, counter)
        for p in problems:
            print("MISMATCH", p)
        print(f"checked {counter[0]} values against {args.check}: {len(problems)} mismatches")
        sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
