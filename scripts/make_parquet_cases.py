"""Writes the Parquet cases of tests/data that polars (Rust) cannot write itself: decimal,
float16, boolean and u64 columns. Run from the repository root: python3 scripts/make_parquet_cases.py
(needs pyarrow)."""
import decimal

import pyarrow as pa
import pyarrow.parquet as pq

N = 4
BASE = dict(
    timestamp=pa.array([1709546400000 + 60000 * i for i in range(N)], pa.int64()),
    event_id=pa.array([1] * N, pa.int64()),
    viewer_id=pa.array([10 + i for i in range(N)], pa.int64()),
    viewer_type=pa.array(["WFO"] * N),
    qoe=pa.array([0.9, 0.8, 0.95, 0.7], pa.float64()),
    engagement=pa.array([0.5] * N, pa.float64()),
)


def write(path, **changes):
    columns = dict(BASE)
    columns.update(changes)
    pq.write_table(pa.table(columns), path)


# Unused decimal and float16 columns beside good telemetry: the file loads.
write(
    "tests/data/good/unused_decimal_float16.parquet",
    price=pa.array([decimal.Decimal("1.25")] * N, pa.decimal128(10, 2)),
    half=pa.array([1.0] * N, pa.float16()),
)
# A boolean qoe: refused by column (it used to read as 1.0).
write("tests/data/broken/boolean_qoe.parquet", qoe=pa.array([True, False, True, True]))
# A u64 viewer id of 2^64 - 1 in the third row: a bad id, not a missing value.
write(
    "tests/data/broken/huge_viewer_id.parquet",
    viewer_id=pa.array([10, 11, 2**64 - 1, 13], pa.uint64()),
)
# A float16 qoe: refused by column, by name.
write("tests/data/broken/float16_qoe.parquet", qoe=pa.array([0.5, 0.25, 0.75, 0.5], pa.float16()))

# Player events (tests/hostile/events/): a DECIMAL dimension is left out and named; a DECIMAL
# bitrate (a column with a meaning) refuses the file by column.
EVENTS = dict(
    ts=pa.array([1794495300801, 1794495302303, 1794495362303, 1794495422303], pa.int64()),
    session_id=pa.array(["s1"] * N),
    viewer_id=pa.array(["u1"] * N),
    event_id=pa.array(["ev1"] * N),
    event_type=pa.array(["request", "start", "heartbeat", "end"]),
    country=pa.array(["Sweden"] * N),
)
price = pa.array([decimal.Decimal("1.25")] * N, pa.decimal128(10, 2))
pq.write_table(pa.table(dict(EVENTS, price=price)), "tests/hostile/events/decimal_dimension.parquet")
pq.write_table(
    pa.table(dict(EVENTS, bitrate_kbps=pa.array([decimal.Decimal("3000.00")] * N, pa.decimal128(10, 2)))),
    "tests/hostile/events/decimal_bitrate.parquet",
)
