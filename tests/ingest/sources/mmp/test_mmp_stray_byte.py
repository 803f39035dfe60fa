"""A UTF-8 MMP export with one stray Latin-1 byte: read as UTF-8 with that byte repaired and reported,
never the whole file decoded as Windows-1252 (which turned "Türkiye" into "TÃ¼rkiye" with exit 0)."""
from __future__ import annotations

from pathlib import Path

from ingest.report import Report
from ingest.sources import mmp

FIX = Path(__file__).resolve().parents[3] / "fixtures" / "mmp" / "site_export_2026.csv"


def test_one_stray_byte_is_repaired_and_the_rest_stays_utf8(tmp_path):
    lines = FIX.read_text(encoding="utf-8").splitlines(keepends=True)
    # the header and first row as UTF-8 with a UTF-8 "ü", then one Latin-1 "ü" (the single byte 0xFC)
    content = (lines[0] + lines[1].replace(",", ",Türkiye ", 1)).encode("utf-8")
    content += lines[2].encode("utf-8").replace(b",", b",T\xfcrkiye ", 1) + "".join(lines[3:]).encode("utf-8")
    path = tmp_path / "MissingMigrants-Global-2026-05-06--19_42_11.csv"
    path.write_bytes(content)
    report = Report()
    incidents = mmp.read_file(path, report)
    assert len(incidents) == len(lines) - 1
    joined = " ".join(report.lines())
    assert "Windows-1252" in joined and "decoded as Windows-1252 (not UTF-8)" not in joined
    cells = incidents.astype("string").fillna("").apply(lambda col: col.str.contains("Türkiye", regex=False)).any()
    assert cells.any() and not incidents.astype("string").fillna("").apply(
        lambda col: col.str.contains("Ã¼", regex=False)).any().any()
