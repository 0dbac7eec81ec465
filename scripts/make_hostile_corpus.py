#!/usr/bin/env python3
"""Writes the small files of tests/hostile/ (the hostile-input corpus, one folder per reader).

Its Parquet cases are written by scripts/make_parquet_cases.py (pyarrow).
Big cases (10,000 columns, a 1 MB line, 100 MB of spaces, NUL megabytes) and special
paths (a folder, a missing file, a symlink loop) are made by tests/cli/hostile.rs at run
time; the expected outcome of every case is asserted there.
Run from the repository root: python3 scripts/make_hostile_corpus.py
"""
import gzip
import os

ROOT = "tests/hostile"
TELEMETRY_HEADER = "timestamp,customer_id,event_id,viewer_id,city_id,country_id,viewer_type,qoe,engagement,buffer_ms"
GOOD_ROWS = [
    "1709550905995,7,1001,110347,71,12,WFO,0.969,0.9,0",
    "1709550906808,7,1001,133415,74,12,WFH,0.927,0.1,0",
    "1709550907808,7,1001,133416,74,12,WFH,0.900,0.5,120",
    "1709550908808,7,1001,133417,71,12,WFO,0.850,0.7,0",
]
SESSIONS_HEADER = "ts,session_id,viewer_id,event_id,customer_id,event_type,bitrate_kbps,error_code,country,city,device,os,browser,player,cdn,isp"
SESSION_ROWS = [
    "1794495300801,s1,u1,ev1,acme,request,,,Sweden,Stockholm,desktop,Windows,Chrome,hive-js,CloudFront,Telia",
    "1794495302303,s1,u1,ev1,acme,start,3000,,Sweden,Stockholm,desktop,Windows,Chrome,hive-js,CloudFront,Telia",
    "1794495362303,s1,u1,ev1,acme,heartbeat,3000,,Sweden,Stockholm,desktop,Windows,Chrome,hive-js,CloudFront,Telia",
    "1794495422303,s1,u1,ev1,acme,end,,,Sweden,Stockholm,desktop,Windows,Chrome,hive-js,CloudFront,Telia",
]
CDN_ROW = '{"timestamp": 1794495356.479, "pop": "LHR", "status_code": 200, "write_time": 0.0537, "bytes_out": 1270975}'
TABLE = "file,a,b\n" + "".join(f"f{i % 4},{(i * 37 % 100) / 100},{(i * 53 % 100) / 100}\n" for i in range(40))
CAPTURE_HEADER = "Time,IP1,Port1,IP2,Port2,Proto,1->2Bytes,2->1Bytes,1->2Pkts,2->1Pkts,packet_times,packet_sizes,packet_dirs"


def capture_rows(seconds):
    rows = []
    for s in range(seconds):
        t = 1735000000 + s
        times = ";".join(str(t * 1000 + 10 * k) for k in range(4)) + ";"
        rows.append(f"{t},10.0.0.2,50000,203.0.113.1,443,6,132,2800,2,2,{times},66;1400;66;1400;,1;2;1;2;")
    return rows


def write(path, data):
    path = os.path.join(ROOT, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def csv(header, rows, end="\n"):
    return end.join([header, *rows]) + end


def utf16(text, big_endian=False):
    return (b"\xfe\xff" + text.encode("utf-16-be")) if big_endian else (b"\xff\xfe" + text.encode("utf-16-le"))


telemetry = csv(TELEMETRY_HEADER, GOOD_ROWS)
write("telemetry/bom_only.csv", b"\xef\xbb\xbf")
write("telemetry/blank_lines_only.csv", "\n\n  \n\t\n")
write("telemetry/utf16le_with_bom.csv", utf16(telemetry))
write("telemetry/utf16be_with_bom.csv", utf16(telemetry, big_endian=True))
write("telemetry/utf16_without_bom.csv", telemetry.encode("utf-16-le"))
write("telemetry/utf8_bom_crlf.csv", b"\xef\xbb\xbf" + csv(TELEMETRY_HEADER, GOOD_ROWS, "\r\n").encode())
write("telemetry/mixed_delimiters.csv", csv(TELEMETRY_HEADER, GOOD_ROWS[:3] + [GOOD_ROWS[3].replace(",", ";")]))
write("telemetry/quoted_fields.csv", csv(TELEMETRY_HEADER + ",note", [
    r + ',"a, quoted ""note"""' for r in GOOD_ROWS[:3]] + [GOOD_ROWS[3] + ',"two\nlines"']))
write("telemetry/number_spellings.csv", csv(TELEMETRY_HEADER, GOOD_ROWS[:2] + [
    "1709550909808,7,1001,200001,71,12,WFO,inf,0.5,0",
    "1709550909809,7,1001,200002,71,12,WFO,1e309,0.5,0",
    "1709550909810,7,1001,200003,71,12,WFO,0x1,0.5,0",
    "1709550909811,7,1001,200004,71,12,WFO,-0.0,0.5,0",
    "1709550909812,7,1001,200005,71,12,WFO,.5,0.5,1e3",
]))
write("telemetry/huge_ids.csv", csv(TELEMETRY_HEADER, GOOD_ROWS[:2] + [
    "1709550909808,7,1001,99999999999999999999999,71,12,WFO,0.5,0.5,0"]))
write("telemetry/leap_day_2023.csv", csv(TELEMETRY_HEADER, GOOD_ROWS[:2] + [
    "2023-02-29T10:00:00Z,7,1001,300001,71,12,WFO,0.5,0.5,0"]))
write("telemetry/truncated_last_row.csv", telemetry + "1709550909808,7,1001,4000")
write("telemetry/extra_fields.csv", csv(TELEMETRY_HEADER, GOOD_ROWS[:3] + [GOOD_ROWS[3] + ",1,2"]))
write("telemetry/lowercase_viewer_type.csv", csv(TELEMETRY_HEADER, [r.replace("WFO", "wfo") for r in GOOD_ROWS]))
write("telemetry/far_future.csv", csv(TELEMETRY_HEADER, GOOD_ROWS[:2] + [
    "99999999999999,7,1001,500001,71,12,WFO,0.5,0.5,0"]))
write("telemetry/csv_named_parquet.parquet", telemetry)
write("telemetry/gzip_named_csv.csv", gzip.compress(telemetry.encode(), mtime=0))
write("telemetry/gzip_of_garbage.csv.gz", gzip.compress(bytes(range(256)) * 8, mtime=0))
write("telemetry/json_lines.csv", '{"timestamp": 1709550905995, "qoe": 0.9}\n')

write("table/empty.csv", "")
write("table/header_only.csv", "file,a,b\n")
write("table/text_in_feature.csv", TABLE.replace("f1,", "f1,", 1).replace("\nf2,0.", "\nf2,abc", 1))
write("table/nan_and_inf.csv", TABLE + "f0,NaN,0.5\nf1,inf,0.5\n")
write("table/duplicate_header.csv", TABLE.replace("file,a,b", "file,a,a", 1))
write("table/ragged.csv", TABLE + "f0,0.5\n")
write("table/utf16_with_bom.csv", utf16(TABLE))
write("table/crlf.csv", TABLE.replace("\n", "\r\n"))

LABELS_HEADER = "event_id,anomalous,kind,start_ms,end_ms,scope"
write("labels/no_event_id.csv", "event,anomalous\n1001,0\n")
write("labels/not_a_flag.csv", LABELS_HEADER + "\n1001,maybe,none,,,\n")
write("labels/unknown_events.csv", LABELS_HEADER + "\n999999,1,isp_outage,,,\n")
write("labels/repeated_event.csv", LABELS_HEADER + "\n1001,0,none,,,\n1001,1,isp_outage,,,\n")
write("labels/utf16_with_bom.csv", utf16(LABELS_HEADER + "\n1001,0,none,,,\n"))

write("capture/header_only.csv", CAPTURE_HEADER + "\n")
write("capture/text_in_bytes.csv", csv(CAPTURE_HEADER, capture_rows(3) + [
    "1735000003,10.0.0.2,50000,203.0.113.1,443,6,lots,1400,0,1,1735000003000;,1400;,2;"]))
write("capture/no_download.csv", csv(CAPTURE_HEADER, [
    f"{1735000000 + s},10.0.0.2,50000,203.0.113.1,443,6,1400,0,1,0,{(1735000000 + s) * 1000};,1400;,1;" for s in range(30)]))
write("capture/crlf.csv", csv(CAPTURE_HEADER, capture_rows(70), "\r\n"))
write("capture/utf16_with_bom.csv", utf16(csv(CAPTURE_HEADER, capture_rows(70))))
write("capture/time_goes_back.csv", csv(CAPTURE_HEADER, capture_rows(70)[::-1]))

write("events/header_only.csv", SESSIONS_HEADER + "\n")
write("events/unknown_event_type.csv", csv(SESSIONS_HEADER, SESSION_ROWS[:3] + [SESSION_ROWS[3].replace(",end,", ",explode,")]))
write("events/bad_timestamp.csv", csv(SESSIONS_HEADER, [SESSION_ROWS[0].replace("1794495300801", "soon")] + SESSION_ROWS[1:]))
JSON_EVENT = '{"ts": %d, "session_id": "s1", "viewer_id": "u1", "event_id": "ev1", "event_type": "%s"}'
write("events/broken_json_line.jsonl", "\n".join([
    JSON_EVENT % (1794495300801, "request"), JSON_EVENT % (1794495302303, "start"),
    '{"ts": 17944953', JSON_EVENT % (1794495422303, "end")]) + "\n")
write("events/utf16_with_bom.csv", utf16(csv(SESSIONS_HEADER, SESSION_ROWS)))
write("events/no_session_column.csv", "ts,event_type\n1794495300801,request\n")

write("cdn/broken_json.jsonl", CDN_ROW + "\n" + CDN_ROW[:40] + "\n")
write("cdn/negative_bytes.jsonl", CDN_ROW + "\n" + CDN_ROW.replace("1270975", "-5") + "\n")
write("cdn/truncated.jsonl.gz", gzip.compress((CDN_ROW + "\n").encode() * 200, mtime=0)[:100])
write("cdn/utf16_with_bom.jsonl", utf16(CDN_ROW + "\n" + CDN_ROW + "\n"))

STEP = '{"duration_ms": 1000, "bandwidth_kbps": %s, "latency_ms": 100}'
write("trace/negative_bandwidth.json", "[" + ",".join([STEP % 1000, STEP % -5]) + "]")
write("trace/empty_array.json", "[]")
write("trace/time_goes_back.txt", "0 1.0\n2 1.5\n1 2.0\n")
write("trace/nan_bandwidth.txt", "0 1.0\n1 NaN\n")
write("trace/utf16_with_bom.txt", utf16("0 1.0\n1 2.0\n2 1.5\n"))
write("trace/huge_duration.json", "[" + STEP.replace("1000,", "1e300,", 1) % 1000 + "]")

MANIFEST = '{"segment_duration_ms": %s, "bitrates_kbps": %s, "segment_sizes_bits": %s}'
write("manifest/zero_segment_duration.json", MANIFEST % (0, "[300, 750]", "[[1000, 2000]]"))
write("manifest/no_bitrates.json", MANIFEST % (3000, "[]", "[]"))
write("manifest/sizes_do_not_match.json", MANIFEST % (3000, "[300, 750]", "[[1000, 2000, 3000]]"))
write("manifest/descending_ladder.json", MANIFEST % (3000, "[750, 300]", "[[2000, 1000]]"))
