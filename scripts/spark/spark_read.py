"""Reading the inputs into Spark: one DataFrame of raw, trimmed fields per CSV, JSON Lines or
Parquet source, with its columns resolved by alias, its file order and each file's time unit
(seconds or milliseconds). Follows crates/sessions src/read.rs, src/read_csv.rs and src/rows.rs
(Coder::new, timestamps_in_seconds).
"""

import os

from spark_common import (HEAD_BYTES, HEAD_LINES, OPTIONAL, REQUIRED, SECONDS_MS_BOUNDARY,
                          JobError, alias_of, first_line, has_meaning, rust_trim)
from spark_values import detect_separator, split_line


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


def read_sources(spark, tools, inputs):
    """Every source of `inputs` (spark_inputs.discover), in argument order; Spark's own errors
    for a missing path are made short, since the path may exist only where Spark runs."""
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
    return sources
