#!/usr/bin/env python3
"""The overall player-session KPIs as a skilled Python user would compute them: polars reads,
types and orders the events; the per-session rules (pauses, stalls cut by pauses, renditions)
are sequential, so one pass over the ordered events in Python walks each view; numpy gives the
quantiles. Definitions as in README.md (issue 16) and crates/sessions; the peer of the
"Player sessions" speed comparison in BENCHMARKS.md.

    python3 scripts/peer_sessions.py EVENTS.csv [--check kpis.json]

`--check` compares every key with `streamlens kpis EVENTS.csv --json` (relative 1e-9).
Needs: pip install polars numpy.
"""

import argparse
import json
import math
import sys
import time

import numpy as np
import polars as pl

KINDS = ["request", "start", "bitrate", "stall_start", "stall_end", "pause", "resume",
         "heartbeat", "error", "end"]
REQ, START, BITRATE, STALL_START, STALL_END, PAUSE, RESUME, HEARTBEAT, ERROR, END = range(10)


def read(path):
    df = pl.read_csv(path, columns=["ts", "session_id", "viewer_id", "event_type",
                                    "bitrate_kbps"],
                     schema_overrides={"ts": pl.Int64, "session_id": pl.Utf8,
                                       "viewer_id": pl.Utf8, "event_type": pl.Utf8,
                                       "bitrate_kbps": pl.Float64})
    kind = pl.col("event_type").str.to_lowercase().str.strip_chars()
    df = df.with_row_index("order").with_columns(
        kind.replace_strict(KINDS, list(range(10)), return_dtype=pl.Int8).alias("kind"),
        pl.col("session_id").cast(pl.Categorical).to_physical().alias("session"),
        pl.col("viewer_id").cast(pl.Categorical).to_physical().alias("viewer"))
    # Each session's events by time, ties in file order.
    return df.sort(["session", "ts", "order"])


def walk(df):
    """One row per view: the measures of crates/sessions/src/view.rs."""
    session = df["session"].to_numpy()
    ts = df["ts"].to_numpy()
    kind = df["kind"].to_numpy()
    rate = df["bitrate_kbps"].to_numpy()
    viewer = df["viewer"].to_numpy()
    bounds = np.flatnonzero(np.diff(session)) + 1
    starts = np.concatenate(([0], bounds))
    ends = np.concatenate((bounds, [len(session)]))
    views = []
    no_request = 0
    for a, b in zip(starts.tolist(), ends.tolist()):
        k = kind[a:b]
        requests = np.flatnonzero(k == REQ)
        if len(requests) == 0:
            no_request += 1
            continue
        a += int(requests[0])
        k = kind[a:b].tolist()
        t = ts[a:b].tolist()
        r = rate[a:b].tolist()
        t_req, t_last = t[0], max(t)
        start = k.index(START) if START in k else None
        error = k.index(ERROR) if ERROR in k else None
        failed = error is not None
        vsf = failed and (start is None or error < start)
        now = None
        started = False
        pause_since = stall_since = rendition = None
        paused = stalls = stall_ms = playing = rated = 0
        bitrate_ms = 0.0
        for i, (e, te, re) in enumerate(zip(k, t, r)):
            if now is not None and started and pause_since is None and stall_since is None:
                dt = te - now
                playing += dt
                if rendition is not None:
                    rated += dt
                    bitrate_ms += rendition * dt
            now = te
            if e == START:
                if i == start:
                    started = True
                if re == re:  # not NaN
                    rendition = re
            elif e == BITRATE:
                if re == re:
                    rendition = re
            elif e == STALL_START:
                if started and stall_since is None and pause_since is None:
                    stall_since = te
                    stalls += 1
            elif e in (STALL_END, END, ERROR):
                if stall_since is not None:
                    stall_ms += te - stall_since
                    stall_since = None
            elif e == PAUSE:
                if stall_since is not None:
                    stall_ms += te - stall_since
                    stall_since = None
                if pause_since is None:
                    pause_since = te
            elif e == RESUME:
                if pause_since is not None:
                    paused += te - pause_since
                    pause_since = None
        if stall_since is not None:
            stall_ms += t_last - stall_since
        if pause_since is not None:
            paused += t_last - pause_since
        views.append((viewer[a], t_req, t_last, None if start is None else t[start], failed, vsf,
                      start is None and not failed, stalls, stall_ms,
                      (t_last - t_req) - paused, rated, bitrate_ms))
    return views, no_request


def kpis(views, no_request):
    n = len(views)
    viewer, t_req, t_last, t_start, failed, vsf, ebvs, stalls, stall_ms, watch, rated, brms = (
        list(c) for c in zip(*views))
    started = [i for i in range(n) if t_start[i] is not None]
    startup = np.array([t_start[i] - t_req[i] for i in started], dtype=float)
    quant = lambda q: float(np.quantile(startup, q)) if len(startup) else None
    s_watch = sum(watch[i] for i in started)
    s_stall = sum(stall_ms[i] for i in started)
    s_stalls = sum(stalls[i] for i in started)
    minute = 60_000
    changes = {}
    for a, b in zip(t_req, t_last):
        changes[a // minute] = changes.get(a // minute, 0) + 1
        changes[b // minute + 1] = changes.get(b // minute + 1, 0) - 1
    active = peak = 0
    peak_minute = None
    for m in sorted(changes):
        active += changes[m]
        if active > peak:
            peak, peak_minute = active, m * minute
    success = [0.0 if failed[i] else 50.0 if ebvs[i] else 100.0 for i in range(n)]
    start_score = {i: 100 * 8 / (8 + (t_start[i] - t_req[i]) / 1000) for i in started}
    smooth = {i: (100 / math.sqrt(1 + (stalls[i] / 2) ** 2)
                  + 100 * math.exp(-10 * stall_ms[i] / watch[i])) / 2
              for i in started if watch[i] > 0}
    mean = lambda xs: sum(xs) / len(xs) if xs else None

    def experience(i):
        parts = [success[i]] + ([start_score[i]] if i in start_score else []) \
            + ([smooth[i]] if i in smooth else [])
        return sum(parts) / len(parts)

    return {
        "views": n, "sessions_without_request": no_request,
        "unique_viewers": len(set(viewer)),
        "failure_share": sum(failed) / n, "vsf_share": sum(vsf) / n, "ebvs_share": sum(ebvs) / n,
        "startup_ms": {"mean": float(startup.mean()) if len(startup) else None,
                       "p50": quant(0.5), "p90": quant(0.9), "p95": quant(0.95)},
        "watch_time_s": sum(watch) / 1000, "session_duration_s": sum(watch) / 1000 / n,
        "rebuffer_share": s_stall / s_watch if s_watch > 0 else None,
        "stalls_per_hour": s_stalls / (s_watch / 3.6e6) if s_watch > 0 else None,
        "mean_bitrate_kbps": sum(brms) / sum(rated) if sum(rated) > 0 else None,
        "peak_concurrent_views": peak, "peak_minute_ms": peak_minute,
        "playback_success_score": mean(success),
        "startup_score": mean(list(start_score.values())),
        "smoothness_score": mean(list(smooth.values())),
        "experience_score": mean([experience(i) for i in range(n)]),
    }


def mismatches(ours, theirs, prefix=""):
    bad = []
    for key, value in ours.items():
        other = theirs.get(key)
        if isinstance(value, dict):
            bad += mismatches(value, other or {}, prefix + key + ".")
        elif value is None or other is None:
            if value != other:
                bad.append(f"{prefix}{key}: {value} vs {other}")
        elif not math.isclose(float(value), float(other), rel_tol=1e-9, abs_tol=1e-9):
            bad.append(f"{prefix}{key}: {value} vs {other}")
    return bad


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("events")
    p.add_argument("--check", help="kpis JSON from `streamlens kpis EVENTS --json`")
    args = p.parse_args()
    t0 = time.perf_counter()
    df = read(args.events)
    t1 = time.perf_counter()
    views, no_request = walk(df)
    result = kpis(views, no_request)
    t2 = time.perf_counter()
    print(json.dumps(result, indent=1))
    print(f"read + order {t1 - t0:.2f} s, views + KPIs {t2 - t1:.2f} s, "
          f"total {t2 - t0:.2f} s", file=sys.stderr)
    if args.check:
        with open(args.check) as f:
            bad = mismatches(result, json.load(f))
        print(f"{len(bad)} mismatches" + "".join("\n  " + b for b in bad[:20]), file=sys.stderr)
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
