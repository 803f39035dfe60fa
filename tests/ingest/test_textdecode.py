"""Text files' bytes to text: strict UTF-8 first; a stray byte repaired and reported, never mojibake."""
from __future__ import annotations

import codecs
import csv
import io

import pytest

from ingest.errors import IngestError
from ingest.report import Report
from ingest.textdecode import decode_text

ROWS = ("Incident ID,Migration route,Country\n1,Türkiye-Europe land route,Türkiye\n"
        "2,Central Mediterranean,Côte d'Ivoire\n")


def decode(content: bytes) -> tuple[str, Report]:
    report = Report()
    return decode_text(content, "routes.csv", report), report


@pytest.mark.parametrize("prefix", [b"", codecs.BOM_UTF8])
def test_utf8_with_and_without_bom_is_decoded_silently(prefix):
    text, report = decode(prefix + ROWS.encode("utf-8"))
    assert text == ROWS and not report.counts and not report.warnings


def test_one_stray_latin1_byte_in_utf8_is_repaired_and_reported_not_mojibake():
    """The tester's file: UTF-8 throughout but for one Latin-1 "ü" (0xFC) in an added row."""
    content = ROWS.encode("utf-8") + "3,Türkiye-Europe land route,".encode("latin-1") + "Türkiye\n".encode("utf-8")
    text, report = decode(content)
    assert "TÃ¼rkiye" not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[1] for r in rows[1:]] == ["Türkiye-Europe land route", "Central Mediterranean",
                                        "Türkiye-Europe land route"]
    assert report.counts == {"bytes not valid UTF-8 read as Windows-1252": 1}
    (warning,) = report.warnings
    assert warning.startswith("routes.csv: 1 byte(s) are not valid UTF-8")
    assert 'line 4: byte 0xFC read as "ü" in "3,Türkiye-Europe land rout' in warning


def test_several_stray_bytes_are_counted_with_a_few_examples():
    lines = [f"{i},Türkiye,".encode("utf-8") + ("Côte".encode("cp1252") if i % 10 == 0 else "Côte".encode("utf-8"))
             for i in range(60)]
    text, report = decode(b"\n".join(lines))
    assert text.count("Côte") == 60 and text.count("Türkiye") == 60
    assert report.counts["bytes not valid UTF-8 read as Windows-1252"] == 6
    assert report.warnings[0].count("line ") == 3  # examples, not all of them


def test_a_wholly_windows_1252_file_decodes_as_such_with_a_note():
    content = (ROWS + "4,“quoted” – dash,Curaçao\n").encode("cp1252")
    text, report = decode(content)
    assert text == ROWS + "4,“quoted” – dash,Curaçao\n"
    assert report.counts == {"file decoded as Windows-1252 (not UTF-8)": 1}


def test_latin1_bytes_windows_1252_leaves_undefined_are_kept_and_noted():
    text, report = decode(b"a,b\n1,caf\xe9 \x81\n")
    assert text == "a,b\n1,café \x81\n"
    assert report.counts["bytes Windows-1252 leaves undefined read as Latin-1"] == 1


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_a_bom(codec):
    bom = {"utf-16": b"", "utf-16-be": codecs.BOM_UTF16_BE, "utf-32": b""}[codec]
    text, report = decode(bom + ROWS.encode(codec))
    assert text == ROWS and sum(report.counts.values()) == 1


@pytest.mark.parametrize("content, message", [
    (b"a,b\x00c", "NUL byte at offset 3"),
    (codecs.BOM_UTF16_LE + b"a\x00b", "starts like UTF-16"),
])
def test_not_text_is_an_error_naming_the_file(content, message):
    with pytest.raises(IngestError, match=f"routes.csv: .*{message}|routes.csv: {message}"):
        decode(content)


@pytest.mark.reference
def test_agrees_with_the_readers_on_every_recorded_file():
    """Wiring decode_text into the readers changes nothing for the files they already read: same text
    for every CSV/JSON fixture and reference file (UTF-8, UTF-8 with BOM, IOM's Windows-1252 file)."""
    from pathlib import Path

    from conftest import reference_dir

    repo = Path(__file__).resolve().parents[2]
    files = [p for p in (repo / "tests" / "fixtures").rglob("*") if p.suffix in (".csv", ".json")]
    files += [p for p in reference_dir().rglob("*") if p.suffix in (".csv", ".json") and p.stat().st_size < 50e6]
    checked = 0
    for path in files:
        content = path.read_bytes()
        try:
            expected = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            expected = content.decode("cp1252")
        assert decode(content)[0] == expected, path
        checked += 1
    assert checked > 20
