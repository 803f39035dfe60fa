"""What period the loaded migration data cover (first and last day, from the loaded table), and how
periods and years that run past it are labelled ("1 Jan – 30 Apr 2025") instead of drawn as zeros."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from dashboard.i18n import _
from dashboard.render import fmt


@dataclass(frozen=True)
class Coverage:
    """First and last day of the data (None when there are none)."""

    first: date | None
    last: date | None

    def header(self) -> str:
        """'2014-01-01/2026-05-31' (ISO 8601 interval) for the X-Data-Coverage header; '' without data."""
        return f"{self.first.isoformat()}/{self.last.isoformat()}" if self.first and self.last else ""

    def as_dict(self) -> dict[str, Any]:
        return {"first": self.first.isoformat() if self.first else None,
                "last": self.last.isoformat() if self.last else None}

    def partial_year(self, year: int) -> bool:
        """True when the data stop (or start) inside `year`."""
        return bool(self.first and self.last and (
            (self.last.year == year and self.last < date(year, 12, 31))
            or (self.first.year == year and self.first > date(year, 1, 1))))

    def clip(self, start: date | None, end: date | None) -> tuple[date | None, date | None]:
        """The part of [start, end] the data cover (the period itself when it lies outside them)."""
        if not (self.first and self.last):
            return start, end
        s = max(start, self.first) if start else self.first
        e = min(end, self.last) if end else self.last
        return (s, e) if s <= e else (start, end)


def cut_end(cov: Coverage, start: date | None, end: date | None) -> tuple[date | None, date | None]:
    """The period with its end cut at the data's last day (when the data end inside it)."""
    if cov.last and end and end > cov.last and (start is None or start <= cov.last):
        return start, cov.last
    return start, end


def of(ds: Any) -> Coverage:
    """The migration data's coverage: the loaded table's first and last day."""
    opts = ds.options()
    return Coverage(opts.get("date_min"), opts.get("date_max"))


def span(start: date, end: date) -> str:
    """'1 Jan – 30 Apr 2025' (one year) or '1 Jan 2024 – 30 Apr 2025', in the interface language."""
    if start.year == end.year:
        first = fmt.day(start)
        first = first[: first.rfind(" ")]  # drop the year: it is said once, at the end
        return f"{first} – {fmt.day(end)}"
    return f"{fmt.day(start)} – {fmt.day(end)}"


def year_label(cov: Coverage, year: int) -> str:
    """'2019', or for a year the data cover in part '2025 (1 Jan – 30 Apr 2025, partial)'."""
    if not cov.partial_year(year):
        return str(year)
    start, end = cov.clip(date(year, 1, 1), date(year, 12, 31))
    return _("{year} ({period}, partial)").format(year=year, period=span(start, end))


def period_note(cov: Coverage, start: date | None, end: date | None, freq: str = "month") -> str | None:
    """A sentence when the chosen period runs past the data: what is counted, and that a year is partial."""
    if not (cov.first and cov.last):
        return None
    parts = []
    if end and end > cov.last and (start is None or start <= cov.last):
        s, e = cut_end(cov, start or cov.first, end)
        parts.append(_("The data cover {first} to {last}: this period counts {period} only; later months are not "
                       "shown as zero.").format(first=fmt.day(cov.first), last=fmt.day(cov.last), period=span(s, e)))
    years = range((start or cov.first).year, (end or cov.last).year + 1)
    partial = [y for y in years if cov.partial_year(y)]
    if partial and freq == "year":
        parts.append(_("Comparing years: {years} partial (data to {last}).").format(
            years=", ".join(str(y) for y in partial), last=fmt.day(cov.last)))
    return " ".join(parts) or None
