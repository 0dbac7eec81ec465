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
import gzip
import json
import os
import shutil
import sys
import time

START_TIME = time.monotonic()

KINDS = ["request", "start", "bitrate", "stall_start", "stall_end", "pause", "resume",
         "heartbeat", "error", "end"]
REQUEST, START, BITRATE, STALL_START, STALL_END, PAUSE, RESUME, HEARTBEAT, ERROR, END = range(10)

# src/rows.rs: the columns with a meaning, each with the names it may go by.
REQUIRED = [
    ("ts", ["ts", "timestamp", "time", "ts_ms"]),
    ("session_id", ["session_id", "session", "sessionid", "view_id"]),
    ("viewer_id", ["viewer_id", "viewer", "user_id", "viewerid"]),
    ("event_id", ["event_id", "video_id", "webcast_id", "eventid"]),
    ("event_type", ["event_type", "type", "eventtype", "kind"]),
]
OPTIONAL = [
    ("customer_id", ["customer_id", "customer", "customerid"]),
    ("bitrate_kbps", ["bitrate_kbps", "bitrate", "kbps"]),
    ("error_code", ["error_code", "errorcode"]),
]
CUSTOMER = "customer_id"
MISSING = "(missing)"
SECONDS_MS_BOUNDARY = 1e11
MAX_PLAUSIBLE_MS = 7_258_118_400_000
MINUTE_MS = 60_000
MAX_MINUTES = 100_000  # src/cli/kpis.rs
HEAD_LINES, HEAD_BYTES = 1000, 256 << 10  # src/read_csv.rs `in_seconds`
# A number as Rust's f64 parser takes it (inf/nan excluded: never a valid time or bitrate).
NUMBER_RE = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
ISO_RE = (r"(?s)^([0-9]{4})-([0-9]{2})-([0-9]{2})"
          r"(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]+))?)?)?(.*)$")
WS = r"\p{IsWhite_Space}"  # Rust's str::trim trims Unicode White_Space, Spark's trim only ' '


class JobError(Exception):
    """A problem the user can fix; printed without a trace."""


# Unicode White_Space, what Rust's str::trim removes (Python's str.strip also takes \x1c-\x1f).
WHITE_SPACE = ("\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
               "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def rust_trim(s):
    return s.strip(WHITE_SPACE)


def ascii_lower(s):
    return "".join(c.lower() if c.isascii() else c for c in s)


def alias_of(column, aliases):
    return ascii_lower(column) in aliases


def has_meaning(column):
    return any(alias_of(column, a) for _, a in REQUIRED + OPTIONAL)


# ---------------------------------------------------------------- CSV header (driver, 1 line)

def split_line(line, sep):
    """crates/engine/src/io/csv.rs split_line: double quotes, "" inside quotes is a quote."""
    fields, cur, quoted, i = [], [], False, 0
    while i < len(line):
        c = line[i]
        if c == '"':
            if quoted and i + 1 < len(line) and line[i + 1] == '"':
                cur.append('"')
                i += 1
            else:
                quoted = not quoted
        elif not quoted and c == sep:
            fields.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    fields.append("".join(cur))
    return fields


def detect_separator(header):
    best = (",", 0)
    for sep in [",", ";", "\t", "|"]:
        n = len(split_line(header, sep))
        if n > best[1]:
            best = (sep, n)
    return best[0]


# ------------------------------------------------------------------------- input discovery

def sniff(path):
    """The format of a local file from its first bytes, as src/read.rs decides it."""
    with open(path, "rb") as f:
        head = f.read(4096)
    zipped = head.startswith(b"\x1f\x8b")
    if zipped:
        if not path.endswith(".gz"):
            raise JobError(f"{path}: gzip content without a .gz name; Spark only unzips "
                           f"files named *.gz: rename it")
        with gzip.open(path, "rb") as f:
            head = f.read(4096)
    if head.startswith(b"PAR1"):
        if zipped:
            raise JobError(f"{path}: a gzipped Parquet file; unzip it first")
        return "parquet"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise JobError(f"{path}: UTF-16 text; convert it to UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)")
    if b"\x00" in head:
        raise JobError(f"{path}: cannot read: binary content, not CSV, JSON Lines or Parquet")
    text = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    return "json" if text.lstrip().startswith(b"{") else "csv"


def by_extension(path):
    p = path.lower().removesuffix(".gz")
    if p.endswith(".parquet"):
        return "parquet"
    if p.endswith((".json", ".jsonl", ".ndjson")):
        return "json"
    return "csv"


def rolled_files(root):
    """crates/collector/src/roll.rs rolled_files: date=*/hour=*/*.parquet, sorted."""
    files = []
    for date in sorted(os.listdir(root)):
        d = os.path.join(root, date)
        if not (date.startswith("date=") and os.path.isdir(d)):
            continue
        for hour in sorted(os.listdir(d)):
            h = os.path.join(d, hour)
            if not (hour.startswith("hour=") and os.path.isdir(h)):
                continue
            files += [os.path.join(h, f) for f in os.listdir(h) if f.endswith(".parquet")]
    return sorted(files)


def discover(paths):
    """Per argument: (format, [files]). Local paths are checked and sniffed; others (a remote
    cluster's file system) go by name, a name without extension standing for a rolled folder."""
    sources = []
    for arg in paths:
        if os.path.isdir(arg):
            files = rolled_files(arg)
            if not files:
                raise JobError(f"{arg}: no Parquet partitions (date=…/hour=…/*.parquet) yet; "
                               f"a collector rolls its segments into them seconds after their "
                               f"first batch")
            sources.append(("parquet", [os.path.abspath(f) for f in files], arg))
        elif os.path.isfile(arg):
            if os.path.getsize(arg) == 0:
                raise JobError(f"{arg}: the file is empty")
            try:
                fmt = sniff(arg)
            except OSError as e:
                raise JobError(f"{arg}: cannot read: {e}") from e
            sources.append((fmt, [os.path.abspath(arg)], arg))
        elif os.path.exists(arg):
            raise JobError(f"{arg}: cannot read: not a file or folder")
        elif "://" in arg:
            base = arg.rstrip("/").rsplit("/", 1)[-1]
            if "." in base:
                sources.append((by_extension(arg), [arg], arg))
            else:
                sources.append(("parquet", [arg.rstrip("/") + "/date=*/hour=*/*.parquet"], arg))
        else:
            raise JobError(f"{arg}: cannot read: no such file or folder (check the path; "
                           f"relative paths are taken from {os.getcwd()})")
    return sources


# ------------------------------------------------------------------ Spark-side value parsing

def build(spark):
    """The column helpers, bound to pyspark.sql.functions (classic or Connect alike)."""
    from pyspark.sql import functions as F

    def trim(c):
        return F.regexp_replace(c, f"^{WS}+|{WS}+$", "")

    def number(text):
        """Rust's `text.parse::<f64>()` for finite numbers; null otherwise."""
        return F.when(text.rlike(NUMBER_RE), text.cast("double"))

    return F, trim, number


def iso_parts(F, text):
    """The pieces of an ISO-8601 text as strings (null when the text is not of that form)."""
    names = ["y", "mo", "d", "h", "mi", "s", "fr", "zone"]
    return F.when(text.rlike(ISO_RE), F.struct(
        *[F.regexp_extract(text, ISO_RE, i + 1).alias(n) for i, n in enumerate(names)]))


def iso_ms(F, p):
    """crates/engine/src/io/values.rs parse_iso8601_ms on iso_parts, in integer arithmetic:
    chrono's calendar checks, a :60 leap second, offsets up to ±23:59, no zone = UTC."""
    y, mo, d = (p[n].cast("long") for n in ("y", "mo", "d"))
    has_time = p["h"] != ""
    h = F.when(has_time, p["h"].cast("long")).otherwise(0)
    mi = F.when(has_time, p["mi"].cast("long")).otherwise(0)
    s = F.when(p["s"] != "", p["s"].cast("long")).otherwise(0)
    ms = F.when(p["fr"] != "", F.rpad(F.substring(p["fr"], 1, 3), 3, "0").cast("long")).otherwise(0)
    zone = p["zone"]
    utc = zone.isin("", "Z", "z")
    digits = F.regexp_replace(F.substring(zone, 2, 100), ":", "")  # Rust drops every ':'
    four = zone.rlike("^[+-][0-9:]*$") & (F.length(digits) == 4)
    zh = F.when(four, F.substring(digits, 1, 2).cast("long"))
    zm = F.when(four, F.substring(digits, 3, 2).cast("long"))
    offset_s = F.when(utc, F.lit(0)).otherwise(
        F.when(F.substring(zone, 1, 1) == "-", -1).otherwise(1) * (zh * 3600 + zm * 60))
    zone_ok = utc | (four & (zm <= 59) & (zh * 3600 + zm * 60 < 86400))
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    dim = (F.when(mo == 2, F.when(leap, 29).otherwise(28))
           .when(mo.isin(4, 6, 9, 11), 30).otherwise(31))
    date_ok = (mo >= 1) & (mo <= 12) & (d >= 1) & (d <= dim)
    time_ok = (h <= 23) & (mi <= 59) & (s <= 60)  # :60 is the leap second chrono keeps
    # Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm).
    yy = y - F.when(mo <= 2, 1).otherwise(0)
    yoe = F.pmod(yy, F.lit(400))
    era = ((yy - yoe) / 400).cast("long")  # exact: yy - yoe is a multiple of 400
    mp = mo + F.when(mo > 2, -3).otherwise(9)
    doy = F.floor((mp * 153 + 2) / 5) + d - 1
    doe = yoe * 365 + F.floor(yoe / 4) - F.floor(yoe / 100) + doy
    days = era * 146097 + doe - 719468
    instant = days * 86_400_000 + h * 3_600_000 + mi * 60_000 + s * 1000 + ms - offset_s * 1000
    return F.when(p.isNotNull() & zone_ok & date_ok & time_ok, instant.cast("long"))


# --------------------------------------------------------------------------- the sources

class Source:
    """One input read as one Spark DataFrame of raw fields (all files in it share columns)."""

    def __init__(self, label, columns, frame, fields, kept_cols):
        self.label = label
        self.columns = columns   # in file order, as Rust's Coder sees them
        self.frame = frame       # __sl_arg/path/block/mono, __sl_malformed, __sl_seconds, …
        self.fields = fields     # meaning → Column (text) / (num) / (direct)
        self.dims = kept_cols    # dimension name → Column text (first column of that name)


def resolve_columns(label, columns):
    """src/rows.rs Coder::new: the first column matching each alias list; the rest dimensions."""
    found = {}
    for name, aliases in REQUIRED:
        at = next((i for i, c in enumerate(columns) if alias_of(c, aliases)), None)
        if at is None:
            raise JobError(f"{label}: no `{name}` column (also accepted: {', '.join(aliases)}); "
                           f"the columns are: {', '.join(columns)} — rename the column or fix "
                           f"the header")
        found[name] = at
    for name, aliases in OPTIONAL:
        at = next((i for i, c in enumerate(columns) if alias_of(c, aliases)), None)
        if at is not None:
            found[name] = at
    named = set(found.values())
    dims = {}
    for i, c in enumerate(columns):
        if i not in named and c not in dims:
            dims[c] = i
    return found, dims


def order_cols(F, df, arg):
    """The file order key: argument, file, split start, row within the split (a split's rows
    are consecutive in one partition, so monotonically_increasing_id orders them)."""
    return df.select(
        "*",
        F.lit(arg).alias("__sl_arg"),
        F.col("_metadata.file_path").alias("__sl_path"),
        F.col("_metadata.file_block_start").alias("__sl_block"),
        F.monotonically_increasing_id().alias("__sl_mono"))


def unit_by_file(F, Window, numbers):
    """src/rows.rs timestamps_in_seconds per file: the median magnitude (lower middle) of the
    first 1,000 numeric timestamps below 1e11 means seconds. `numbers`: __sl_path,
    __sl_block, __sl_mono, v (finite numbers only). Returns the files in seconds."""
    first = Window.partitionBy("__sl_path").orderBy("__sl_block", "__sl_mono")
    head = numbers.withColumn("k", F.row_number().over(first)).where(F.col("k") <= HEAD_LINES)
    by_size = Window.partitionBy("__sl_path").orderBy(F.abs("v"))
    ranked = (head.withColumn("r", F.row_number().over(by_size))
              .withColumn("n", F.count(F.lit(1)).over(Window.partitionBy("__sl_path"))))
    mid = ranked.where(F.col("r") == F.floor((F.col("n") - 1) / 2) + 1)
    m = F.abs("v")
    rows = mid.select("__sl_path", ((m > 0) & (m < SECONDS_MS_BOUNDARY)).alias("s")).collect()
    return sorted(r["__sl_path"] for r in rows if r["s"])


def seconds_of(F, files_in_seconds):
    """The per-file unit as a literal test (one value per file, known on the driver)."""
    if not files_in_seconds:
        return F.lit(False)
    return F.col("__sl_path").isin(files_in_seconds)


def csv_source(spark, tools, arg, path, label):
    F, trim, number = tools
    from pyspark.sql import Window
    raw = order_cols(F, spark.read.option("lineSep", "\n").text(path), arg)
    first = Window.partitionBy("__sl_path").orderBy("__sl_block", "__sl_mono")
    # The header and the lines the unit is judged on: a small, cached head of the file.
    head = raw.withColumn("k", F.row_number().over(first)).where(F.col("k") <= HEAD_LINES + 1)
    head = head.cache()
    top = head.where(F.col("k") == 1).select("value", "__sl_mono").collect()
    if not top:
        raise JobError(f"{label}: the file is empty")
    header_line = top[0]["value"].lstrip("\ufeff").rstrip("\r\n")
    header_mono = top[0]["__sl_mono"]
    if not rust_trim(header_line):
        raise JobError(f"{label}: the file is empty (no header line)")
    sep = detect_separator(header_line)
    columns = [rust_trim(c) for c in split_line(header_line, sep)]
    found, dims = resolve_columns(label, columns)

    sep_class = {"\t": "\\t"}.get(sep, sep)
    sep_re = {"|": "\\|", "\t": "\\t"}.get(sep, sep)
    # Possessive: nothing here ever backtracks, and Java's regex recursion stays shallow.
    field = f'(?:[^"{sep_class}]++|"(?:[^"]++|"")*+(?:"|\\z))*+'

    def cells_of(line, quoted_always=False):
        # Lines with a quote: split_line semantics (separators outside quotes, quotes undone);
        # others split at every separator, as read_csv.rs does.
        quoted = F.regexp_extract_all(F.concat(F.lit(sep), line), F.lit(f"\\G{sep_re}({field})"), 1)
        unquoted = F.transform(quoted, lambda c: F.replace(
            F.regexp_replace(c, '"((?:[^"]++|"")*+)(?:"|\\z)', "$1"), F.lit('""'), F.lit('"')))
        if quoted_always:
            return unquoted
        return F.when(F.instr(line, '"') > 0, unquoted).otherwise(F.split(line, sep_re, -1))

    # Unit: the first 1,000 lines after the header, cut at 256 KiB of text (read_csv.rs).
    ts_at = found["ts"]
    h = head.where(F.col("k") > 1).withColumn("len", F.octet_length("value") + 1)
    h = h.withColumn("end", F.sum("len").over(first.rowsBetween(Window.unboundedPreceding, 0)))
    h = h.withColumn("start", F.col("end") - F.col("len")).where(F.col("start") < HEAD_BYTES)
    cut = F.when(F.col("end") - 1 > HEAD_BYTES,
                 F.substring(F.col("value").cast("binary"), 1,
                             (F.lit(HEAD_BYTES) - F.col("start")).cast("int")).cast("string")
                 ).otherwise(F.col("value"))
    cells = cells_of(F.regexp_replace(cut, "\r+$", ""), quoted_always=True)
    h = h.select("__sl_path", "__sl_block", "__sl_mono",
                 number(trim(F.element_at(cells, ts_at + 1))).alias("v"))
    units = unit_by_file(F, Window, h.where(F.col("v").isNotNull() & ~F.isnan("v")))

    line = F.regexp_replace(F.col("value"), "\r$", "")
    body = raw.where(~((F.col("__sl_block") == 0) & (F.col("__sl_mono") == header_mono)))
    body = body.where(trim(line) != "")  # blank lines are skipped, not rows
    body = body.withColumn("cells", cells_of(line))
    body = body.withColumn("__sl_malformed", F.size("cells") != len(columns))
    body = body.withColumn("__sl_seconds", seconds_of(F, units))
    head.unpersist()

    def cell(i):
        return trim(F.element_at(F.col("cells"), i + 1))

    fields = {name: (cell(at), None, None) for name, at in found.items()}
    return Source(label, columns, body, fields, {d: cell(i) for d, i in dims.items()})


def json_source(spark, tools, arg, path, label):
    F, trim, number = tools
    from pyspark.sql import Window
    raw = order_cols(F, spark.read.option("lineSep", "\n").text(path), arg)
    line = F.regexp_replace(F.regexp_replace(F.col("value"), "\r$", ""), "^\ufeff+", "")
    opts = {"allowNonNumericNumbers": "false", "allowSingleQuotes": "false"}
    body = raw.where(trim(line) != "").withColumn(
        "obj", F.from_json(line, "map<string,string>", opts))
    body = body.cache()
    # Columns: every key in first-seen order, each object's keys in serde_json's (sorted) order.
    keys = (body.where(F.col("obj").isNotNull())
            .select("__sl_block", "__sl_mono", F.posexplode(F.array_sort(F.map_keys("obj"))))
            .groupBy("col").agg(F.min(F.struct("__sl_block", "__sl_mono", "pos")).alias("at"))
            .orderBy("at").collect())
    if body.limit(1).count() == 0:
        raise JobError(f"{label}: the file is empty")
    columns = [r["col"] for r in keys]
    found, dims = resolve_columns(label, columns)
    body = body.withColumn("__sl_malformed", F.col("obj").isNull())

    def cell(name):
        return trim(F.coalesce(F.col("obj")[name], F.lit("")))

    ts_name = columns[found["ts"]]
    numbers = body.select("__sl_path", "__sl_block", "__sl_mono",
                          number(trim(F.col("obj")[ts_name])).alias("v"))
    units = unit_by_file(F, Window, numbers.where(F.col("v").isNotNull()))
    body = body.withColumn("__sl_seconds", seconds_of(F, units))
    fields = {name: (cell(columns[at]), None, None) for name, at in found.items()}
    return Source(label, columns, body, fields, {d: cell(d) for d in dims})


def parquet_sources(spark, tools, arg, files, label):
    """One source per group of files sharing a schema (the collector types each hour's
    columns on their own: a column can be Int64 in one file and Float64 in the next)."""
    F, trim, number = tools
    from pyspark.sql import Window
    from pyspark.sql import types as T
    groups = {}
    order = []
    try:
        import pyarrow.parquet as pq
        for f in files:
            if not os.path.exists(f):
                raise LookupError
            schema = pq.read_schema(f)
            key = tuple((n, str(t)) for n, t in zip(schema.names, schema.types))
            if key not in groups:
                order.append(key)
            groups.setdefault(key, []).append(f)
    except (ImportError, LookupError):
        order, groups = [None], {None: files}
    except Exception as e:  # noqa: BLE001 — a damaged footer names the file
        raise JobError(f"{label}: cannot read a Parquet file: {e}") from e
    sources = []
    for key in order:
        group = groups[key]
        try:
            df = spark.read.parquet(*group)
            schema = df.schema
        except Exception as e:  # noqa: BLE001
            raise JobError(f"{label}: cannot read as Parquet ({first_line(e)}); check the path "
                           f"and that the files are Parquet") from e
        name = group[0] if len(group) == 1 else f"{label} ({len(group)} files)"
        unreadable = [f.name for f in schema.fields if isinstance(f.dataType, T.DecimalType)]
        for u in unreadable:
            if has_meaning(u):
                raise JobError(f"{name}: column `{u}` (DECIMAL) cannot be read: streamlens "
                               f"reads Parquet integers, floats, text, booleans, dates and "
                               f"timestamps; write it as DOUBLE")
        columns = [f.name for f in schema.fields if f.name not in unreadable]
        types = {f.name: f.dataType for f in schema.fields}
        found, dims = resolve_columns(name, columns)
        body = order_cols(F, df, arg).withColumn("__sl_malformed", F.lit(False))
        numeric = (T.ByteType, T.ShortType, T.IntegerType, T.LongType, T.FloatType,
                   T.DoubleType)

        def typed(col_name):
            """(text, number, ms) of a typed column, as polars' cast to text would read."""
            c, t = quoted(col_name), types[col_name]
            if isinstance(t, numeric):
                return (None, c.cast("double"), None)
            if isinstance(t, (T.TimestampType, T.TimestampNTZType)):
                return (None, None, F.unix_millis(c.cast("timestamp")))
            if isinstance(t, T.DateType):
                return (None, None, F.unix_date(c).cast("long") * 86_400_000)
            if isinstance(t, (T.StringType, T.BooleanType)):
                return (trim(F.coalesce(c.cast("string"), F.lit(""))), None, None)
            raise JobError(f"{name}: column `{col_name}` has type {t.simpleString()}, which "
                           f"streamlens does not read; write it as text or a number")

        def quoted(col_name):
            return F.col("`" + col_name.replace("`", "``") + "`")

        def text(col_name):
            return trim(F.coalesce(quoted(col_name).cast("string"), F.lit("")))

        fields = {}
        for meaning, at in found.items():
            fields[meaning] = (text(columns[at]), None, None)
        fields["ts"] = typed(columns[found["ts"]])
        if "bitrate_kbps" in found:
            bitrate = columns[found["bitrate_kbps"]]
            if isinstance(types[bitrate], numeric):
                fields["bitrate_kbps"] = (None, quoted(bitrate).cast("double"), None)
        t, num, _ = fields["ts"]
        v = num if num is not None else (number(t) if t is not None else F.lit(None).cast("double"))
        numbers = body.select("__sl_path", "__sl_block", "__sl_mono", v.alias("v"))
        numbers = numbers.where(F.col("v").isNotNull() & ~F.isnan("v")
                                & (F.abs("v") < float("inf")))
        units = unit_by_file(F, Window, numbers)
        body = body.withColumn("__sl_seconds", seconds_of(F, units))
        sources.append(Source(name, columns, body, fields, {d: text(d) for d in dims}))
    return sources


def first_line(e):
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


# ----------------------------------------------------------------------------- the events

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


# ------------------------------------------------------------------------ sessions → views

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


# ------------------------------------------------------------------------------- the JSON

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


# ------------------------------------------------------------------------------------ main

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
        sources = []
        for arg, (fmt, files, label) in enumerate(inputs):
            try:
                if fmt == "parquet":
                    sources += parquet_sources(spark, tools, arg, files, label)
                elif fmt == "json":
                    sources.append(json_source(spark, tools, arg, files[0], label))
                else:
                    sources.append(csv_source(spark, tools, arg, files[0], label))
            except JobError:
                raise
            except Exception as e:  # noqa: BLE001 — Spark's own message, made short
                if "PATH_NOT_FOUND" in str(e) or "does not exist" in str(e):
                    raise JobError(f"{label}: cannot read: the path does not exist where "
                                   f"Spark runs ({first_line(e)})") from e
                raise
        dims = resolve_by(by_wanted, dimension_names(sources))
        log(args, "headers and columns read")

        events = None
        for s in sources:
            e = events_of(tools, s, dims)
            events = e if events is None else events.unionByName(e)
        # Checkpoints cut the lineage: later plans start from the stored rows, not from
        # the parsing expressions (planning a cached plan this large took longer than running it).
        events = events.localCheckpoint()

        # Rows kept and dropped per file (read.rs: a file without a valid row is an error).
        counts = events.groupBy("src", "__sl_path", "reason").count().collect()
        kept, dropped, files = {}, {}, {}
        for r in counts:
            files[r["__sl_path"]] = r["src"]
            kept.setdefault(r["__sl_path"], 0)
            if r["reason"] is None:
                kept[r["__sl_path"]] += r["count"]
            else:
                dropped[r["reason"]] = dropped.get(r["reason"], 0) + r["count"]
        log(args, "rows checked")
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

        sessions = views_of(F, events.where(F.col("reason").isNull()), len(dims))
        sessions = sessions.localCheckpoint()
        no_request = sessions.where(~F.col("has_request")).count()
        log(args, "sessions measured")
        views = with_scores(F, sessions.where(F.col("has_request")))
        # Every view once overall (g = 0), and once per --by dimension under its value.
        gv = views.select(F.lit(0).alias("g"), F.lit("").alias("value"), "*")
        for i in range(len(dims)):
            gv = gv.unionByName(views.select(F.lit(i + 1).alias("g"),
                                             F.col(f"d{i}").alias("value"), "*"))
        gv = gv.localCheckpoint()
        if args.minutes:  # src/cli/kpis.rs refuses a series longer than MAX_MINUTES
            span = views.agg(F.min(minute(F, "t_req")).alias("a"),
                             F.max(minute(F, "t_last")).alias("z")).collect()[0]
            if span["a"] is not None and span["z"] - span["a"] + 1 > MAX_MINUTES:
                raise JobError(f"the views span more than {MAX_MINUTES} minutes; narrow the "
                               f"input to fewer days")

        names = F.create_map(*sum(([F.lit(i + 1), F.lit(d)] for i, d in enumerate(dims)), []))
        dim_name = (F.when(F.col("g") == 0, F.lit(None).cast("string"))
                    .otherwise(names[F.col("g")]) if dims else F.lit(None).cast("string"))
        value = F.when(F.col("g") == 0, F.lit(None).cast("string")).otherwise(F.col("value"))

        table = kpi_table(F, Window, gv, no_request)
        (table.select(dim_name.alias("dimension"), value.alias("value"),
                      *[c for c in table.columns if c not in ("g", "value")])
         .orderBy(F.col("dimension").asc_nulls_first(), "value")
         .coalesce(1).write.mode("overwrite").parquet(f"{out}/kpis.parquet"))
        rows = spark.read.parquet(f"{out}/kpis.parquet").collect()
        log(args, "kpis.parquet written")

        overall = [r for r in rows if r["dimension"] is None]
        result = kpis_json(overall[0].asDict()) if overall else empty_overall(no_request)
        result["by"] = {d: {} for d in dims}
        for r in rows:
            if r["dimension"] is not None:
                result["by"][r["dimension"]][r["value"]] = kpis_json(r.asDict())

        if args.minutes:
            mt = minute_table(F, Window, gv)
            (mt.select(dim_name.alias("dimension"), value.alias("value"),
                       *[c for c in mt.columns if c not in ("g", "value")])
             .repartition(1).sortWithinPartitions(F.col("dimension").asc_nulls_first(),
                                                  "value", "minute_ms")
             .write.mode("overwrite").parquet(f"{out}/minutes.parquet"))
            series = (spark.read.parquet(f"{out}/minutes.parquet")
                      .where(F.col("dimension").isNull()).drop("dimension", "value")
                      .orderBy("minute_ms").collect())
            result["minutes"] = [r.asDict() for r in series]
            log(args, "minutes.parquet written")
        elif "://" not in out and os.path.isdir(f"{out}/minutes.parquet"):
            shutil.rmtree(f"{out}/minutes.parquet")  # a former run's series would mislead
        if "://" in out:
            print(json.dumps(result, indent=2, sort_keys=True, ensure_ascii=False))
        else:
            with open(os.path.join(out, "kpis.json"), "w", encoding="utf-8") as f:
                json.dump(result, f, indent=2, sort_keys=True, ensure_ascii=False)
                f.write("\n")
            print(f"wrote {out}/kpis.json", file=sys.stderr)
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
