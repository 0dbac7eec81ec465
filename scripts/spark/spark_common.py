"""Constants and small helpers shared by the Spark KPI job's modules: event kinds, the columns
with a meaning and their aliases, limits and patterns, JobError and Rust-like text helpers.
They follow crates/sessions (src/rows.rs, src/read_csv.rs; src/cli/kpis.rs in the repository
root) and crates/engine/src/io/values.rs.
"""

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


def first_line(e):
    """The first line of an exception's message: Spark's own run to pages."""
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
