"""Benchmark WARC parsing: FastWARC beside warcio, doing what cleaner's WARC reader does.

    python benchmarks/warc_readers.py                  # 4000 captures, gzip and plain
    python benchmarks/warc_readers.py --captures 500

The synthetic crawl (deterministic): per capture a request record, an HTML response of
20-60 KB (HTTP headers with a charset), every fourth capture also an image response of
30 KB, and a WET-style conversion record of the page's text. Written once with warcio's
writer, per-record gzip members (as crawlers write ``.warc.gz``) and uncompressed.

Each parser then does the reader's work: iterate every record, note type, record id,
target URI and byte offset, parse the HTTP headers of responses, read the payload of HTML
responses and conversion records, and skip over the rest. Reported: records/s and MB/s of
the file on disk, best of three runs, one process.
"""
from __future__ import annotations

import argparse
import io
import random
import tempfile
import time
from pathlib import Path


def write_crawl(path: Path, captures: int, gzip: bool, seed: int = 7) -> int:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    rng = random.Random(seed)
    words = [f"w{i}" for i in range(5000)]
    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=gzip)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "bench"}))
        for i in range(captures):
            uri = f"https://example.com/article/{i}"
            text = " ".join(rng.choices(words, k=rng.randint(3000, 9000)))
            html = f"<html><head><title>{i}</title></head><body><article><p>{text}</p></article></body></html>"
            request = StatusAndHeaders(f"GET /article/{i} HTTP/1.1", [("Host", "example.com")], is_http_request=True)
            writer.write_record(writer.create_warc_record(uri, "request", payload=io.BytesIO(b""),
                                                          http_headers=request))
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(html.encode()),
                                                          http_headers=http))
            if i % 4 == 0:
                image = StatusAndHeaders("200 OK", [("Content-Type", "image/jpeg")], protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(
                    uri + ".jpg", "response", payload=io.BytesIO(rng.randbytes(30_000)), http_headers=image))
            writer.write_record(writer.create_warc_record(uri, "conversion", payload=io.BytesIO(text.encode()),
                                                          warc_content_type="text/plain"))
    return path.stat().st_size


def read_fastwarc(path: Path) -> tuple[int, int]:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    records = payload = 0
    with open(path, "rb") as f:
        for record in ArchiveIterator(f, parse_http=False):
            records += 1
            _ = (record.record_id, record.headers.get("WARC-Target-URI"), record.stream_pos)
            kind = record.record_type
            if kind == WarcRecordType.response:
                record.parse_http()
                if "html" in (record.http_content_type or ""):
                    payload += len(record.reader.read())
            elif kind == WarcRecordType.conversion:
                payload += len(record.reader.read())
    return records, payload


def read_warcio(path: Path) -> tuple[int, int]:
    from warcio.archiveiterator import ArchiveIterator

    records = payload = 0
    with open(path, "rb") as f:
        iterator = ArchiveIterator(f)
        for record in iterator:
            records += 1
            headers = record.rec_headers
            _ = (headers.get_header("WARC-Record-ID"), headers.get_header("WARC-Target-URI"))
            if record.rec_type == "response":
                if "html" in (record.http_headers.get_header("Content-Type") or ""):
                    payload += len(record.content_stream().read())
            elif record.rec_type == "conversion":
                payload += len(record.content_stream().read())
            iterator.get_record_offset()  # warcio knows the offset only once the record is read
    return records, payload


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--captures", type=int, default=4000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for gzip in (True, False):
            path = Path(tmp, "crawl.warc.gz" if gzip else "crawl.warc")
            size = write_crawl(path, args.captures, gzip)
            print(f"{path.name}: {size / 1e6:.1f} MB on disk")
            results = {}
            for name, read in (("fastwarc", read_fastwarc), ("warcio", read_warcio)):
                best = float("inf")
                for _ in range(3):
                    started = time.perf_counter()
                    results[name] = read(path)
                    best = min(best, time.perf_counter() - started)
                records, payload = results[name]
                print(f"  {name:9s} {records} records, {payload / 1e6:.1f} MB payload read: "
                      f"{best:.3f} s, {records / best:,.0f} records/s, {size / 1e6 / best:,.0f} MB/s")
            assert results["fastwarc"] == results["warcio"], results


if __name__ == "__main__":
    main()
