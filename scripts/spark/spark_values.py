"""Parsing of single values: the CSV header split (on the driver) and, as Spark column
expressions, Rust-like trimming, numbers and ISO-8601 times. Definitions follow
crates/engine/src/io/csv.rs (separators, quotes) and crates/engine/src/io/values.rs (numbers,
parse_iso8601_ms), as crates/sessions src/read_csv.rs and src/rows.rs use them.
"""

from spark_common import ISO_RE, NUMBER_RE, WS


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
