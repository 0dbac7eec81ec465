"""Input discovery: which files each command-line path stands for and their format (CSV, JSON
Lines, Parquet, a collector's rolled folder), decided on the driver before Spark starts.
Follows crates/sessions src/read.rs (sniffing) and crates/collector/src/roll.rs (rolled files).
"""

import gzip
import os

from spark_common import JobError


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
