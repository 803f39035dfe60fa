"""What a CSV file re-saved by a spreadsheet looks like, told from its bytes: the text encoding, the
separator, and the day/month order of its dates. Read it right where the layout is unambiguous;
otherwise refuse with a message that names what was found and how to export the file again.

Seen in the wild: Excel in a European locale saves `;`-separated CSV with dd/mm/yyyy dates, CRLF line
ends and Windows-1252 text (or UTF-16 for "Unicode text"); LibreOffice may write Latin-1. HDX and FTS
themselves write UTF-8, `,`, ISO dates.
"""
from __future__ import annotations

import codecs
import re

from .errors import IngestError
from .report import Report
from .textdecode import decode_text

SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
REEXPORT = ("export it again as 'CSV UTF-8 (comma delimited)' (Excel) or 'Text CSV' with UTF-8 and ',' "
            "(LibreOffice), or download the original file again")
_SLASH_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T].*)?$")
_THOUSANDS = re.compile(r"^-?\d{1,3}(?:[.\u00a0\u202f ']\d{3})+$")
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")


def decode(content: bytes, where: str, report: Report) -> str:
    """Text of a CSV file. UTF-16 without a byte-order mark (the zero bytes of Excel's 'Unicode text'
    saved by some tools) is told here; everything else is `textdecode.decode_text`: strict UTF-8, BOMs,
    a few stray bytes repaired with a count and examples, wholly Windows-1252 noted."""
    sample = content[:4096]
    if not content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and len(sample) >= 4 \
            and sample.count(0) * 3 >= len(sample):
        encoding = "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError as exc:
            raise IngestError(f"{where}: looks like UTF-16 but byte {exc.start} is not ({exc.reason}); "
                              f"{REEXPORT}") from None
        report.count("CSV: decoded as UTF-16 without a byte-order mark")
        return text
    return decode_text(content, where, report)


def separator(header_line: str, expected: set[str]) -> str:
    """The separator that splits the header line into the most `expected` column names (at least two);
    ',' when none does (the caller then refuses the header, naming what it holds: `describe`)."""
    best, hits = ",", 1
    for sep in SEPARATORS:
        names = {c.strip().strip('"').strip() for c in header_line.split(sep)}
        found = len(names & expected)
        if found > hits:
            best, hits = sep, found
    return best


def describe(header_line: str) -> str:
    """The separators a header line holds, for a message: "3 semicolon, 1 comma"."""
    counts = ", ".join(f"{header_line.count(s)} {n}" for s, n in SEPARATORS.items() if header_line.count(s))
    return f"separators in the header: {counts or 'none'}"


def day_first(columns: dict[str, list[str]], where: str) -> bool | None:
    """Whether the file's dd/mm/yyyy-style dates (all date columns together: a spreadsheet writes them
    all one way) are day first (True), month first (False), or none are written so (None). Refused when
    they disagree, or when some date reads two ways (day and month both 12 or less and different) and
    no date in the file tells which."""
    parts = [(column, value, m.groups()) for column, values in columns.items() for value in values
             if (m := _SLASH_DATE.match(value))]
    if not parts:
        return None
    day = any(int(a) > 12 for _c, _v, (a, _b, _y) in parts)
    month = any(int(b) > 12 for _c, _v, (_a, b, _y) in parts)
    if day and month:
        raise IngestError(f"{where}: the dates mix day-first and month-first order; {REEXPORT}")
    if not (day or month):
        two_ways = [(c, v) for c, v, (a, b, _y) in parts if a != b]
        if not two_ways:
            return True  # every date has day == month: the same either way
        column, value = two_ways[0]
        raise IngestError(f"{where}: column {column} has dates like {value!r} where day and month cannot be "
                          "told apart (both 12 or less); export the dates as YYYY-MM-DD, or " + REEXPORT)
    return day


def iso_date(value: str, first_is_day: bool) -> str:
    """'31/12/2019' (day first) or '12/31/2019' -> '2019-12-31'; anything else unchanged."""
    match = _SLASH_DATE.match(value)
    if not match:
        return value
    a, b, year = match.groups()
    day, month = (a, b) if first_is_day else (b, a)
    return f"{year}-{int(month):02d}-{int(day):02d}"


def plain_number(value: str, decimal_comma: bool) -> str:
    """A spreadsheet's number as plain digits: thousands separators removed ('1.234.567', '1 234 567');
    with `decimal_comma` (a ';'-separated file), '34,5' -> '34.5'. Anything else unchanged."""
    if _THOUSANDS.match(value) and (decimal_comma or "." not in value):
        return re.sub(r"[.\u00a0\u202f ']", "", value)
    if decimal_comma and _DECIMAL_COMMA.match(value):
        return value.replace(",", ".")
    return value
