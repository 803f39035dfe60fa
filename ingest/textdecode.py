"""Bytes of a text file (CSV, JSON) to text, never silently: strict UTF-8 first, repairs reported.

    UTF-8, with or without a BOM          decoded as is
    UTF-16 / UTF-32 with a BOM            decoded as such (Excel's "Unicode text"); noted in the Report
    UTF-8 with a few invalid bytes        each invalid byte read as Windows-1252 (Latin-1 where 1252 has no
                                          character); counted, with examples (line, byte, context), in the Report
    wholly Windows-1252 / Latin-1         decoded as such (IOM's 2022 files); noted in the Report

A file is "UTF-8 with a few invalid bytes" when it holds at least as many valid multi-byte UTF-8
characters as invalid bytes: decoding all of it as Windows-1252 would turn every valid "ü" into "Ã¼"
(mojibake) to save one stray byte. Text in Windows-1252 almost never forms valid UTF-8 sequences, so a
real Windows-1252 file has (nearly) none and is decoded as such.
"""
from __future__ import annotations

import codecs
import threading

from .errors import IngestError
from .report import Report

EXAMPLES = 3
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_HANDLER = "humdash-cp1252-bytes"
_state = threading.local()


def byte_char(byte: int) -> str:
    """One byte as Windows-1252 (Latin-1 for the five bytes 1252 leaves undefined)."""
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)


_CP1252 = "".join(byte_char(b) for b in range(256))


def _repair(exc: UnicodeError) -> tuple[str, int]:
    """codecs error handler: each byte of an invalid UTF-8 sequence read as Windows-1252, and recorded."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start:exc.end]
    found = _state.found
    found["bytes"] += len(bad)
    if len(found["where"]) < EXAMPLES:
        found["where"].append(exc.start)
    return "".join(_CP1252[b] for b in bad), exc.end


codecs.register_error(_HANDLER, _repair)


def decode_text(content: bytes, where: str, report: Report) -> str:
    """The text of a file's bytes (see the module docstring); `where` names the file in messages."""
    for bom, codec in _BOMS:
        if content.startswith(bom):
            try:
                text = content.decode(codec)
            except UnicodeDecodeError as exc:
                raise IngestError(f"{where}: starts like {codec.upper()} text but byte offset {exc.start} is not "
                                  f"{codec.upper()}; save the file again as UTF-8 CSV") from None
            report.count(f"file decoded as {codec.upper()} (not UTF-8)")
            return text
    nul = content.find(b"\x00")
    if nul >= 0:
        raise IngestError(f"{where}: NUL byte at offset {nul}: not a text file (UTF-16 without a byte-order "
                          "mark, or a binary file); save it again as UTF-8 CSV")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    body = content[len(codecs.BOM_UTF8):] if content.startswith(codecs.BOM_UTF8) else content
    found: dict = {"bytes": 0, "where": []}
    _state.found = found
    try:
        text = body.decode("utf-8", errors=_HANDLER)
    finally:
        del _state.found
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    valid_multibyte = non_ascii - found["bytes"]
    if valid_multibyte >= found["bytes"]:
        examples = "; ".join(_example(body, at) for at in found["where"])
        report.count("bytes not valid UTF-8 read as Windows-1252", found["bytes"])
        report.warn(f"{where}: {found['bytes']:,} byte(s) are not valid UTF-8 in an otherwise UTF-8 file and were "
                    f"read as Windows-1252 characters ({examples}); check those cells, or save the file again "
                    "as UTF-8")
        return text
    undefined = sum(content.count(bytes([b])) for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D))
    report.count("file decoded as Windows-1252 (not UTF-8)")
    if undefined:
        report.count("bytes Windows-1252 leaves undefined read as Latin-1", undefined)
    return content.decode("latin-1").translate(_TO_CP1252)


_TO_CP1252 = {i: c for i, c in enumerate(_CP1252) if chr(i) != c}


def _example(body: bytes, at: int) -> str:
    """'line 3: 0xFC read as "ü" in "…Türkiye-Europe land…"' for the invalid byte at offset `at`."""
    line = body.count(b"\n", 0, at) + 1
    start = max(body.rfind(b"\n", 0, at) + 1, at - 24)
    end = body.find(b"\n", at)
    end = min(end if end >= 0 else len(body), at + 24)
    while start < at and body[start] & 0xC0 == 0x80:  # do not cut a UTF-8 character in two
        start += 1
    while end < len(body) and end > at + 1 and body[end] & 0xC0 == 0x80:
        end -= 1
    if end < len(body) and end - 1 > at and body[end - 1] >= 0xC0:
        end -= 1
    _state.found = {"bytes": 0, "where": []}
    try:
        context = body[start:end].decode("utf-8", errors=_HANDLER).strip()
    finally:
        del _state.found
    return f'line {line}: byte 0x{body[at]:02X} read as "{_CP1252[body[at]]}" in "{context}"'
