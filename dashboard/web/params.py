"""Query-string parameters: strict parsing into `Filters` (API: 400 naming the parameter) and back
into query strings (shareable page URLs, file names).

One registry, `SPECS`, so the API, the pages and the downloads agree on names and meanings.
Multi-valued parameters repeat (`?region=Caribbean&region=South%20America`); integer and ISO3
lists may also be comma-separated (`?year=2019,2020`). Free-text values (regions, causes, routes)
are never split on commas, because published values contain commas.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Mapping, Sequence

from dashboard.i18n import LANGUAGES, _, normalise
from dashboard.queries import Filters
from ingest.schemas import is_iso3

LANG_PARAMS = ("lang", "headers")  # ?lang=es: interface language; ?headers=es: CSV column header language

MAX_VALUE_LENGTH = 200
MAX_VALUES = 50
MAX_PARAMS = 40
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INT = re.compile(r"^[0-9]{1,10}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


class ParamError(ValueError):
    """A bad query parameter; `param` names it, the message says what is expected."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


@dataclass(frozen=True)
class Spec:
    """One parameter: the Filters field it sets, its kind, and what it accepts."""

    field: str
    kind: str  # int | iso3 | date | text | choice | bool
    multi: bool = False
    low: int = 0
    high: int = 2**31 - 1
    choices: tuple[str, ...] = ()
    known: str = ""  # name of a data-derived set of allowed values (see `known_values`)
    help: str = ""


SPECS: dict[str, Spec] = {
    "year": Spec("years", "int", multi=True, low=1990, high=2100, help="year(s), e.g. 2019 or 2019,2020"),
    "date_from": Spec("date_from", "date", help="first day, YYYY-MM-DD"),
    "date_to": Spec("date_to", "date", help="last day, YYYY-MM-DD"),
    "country": Spec("countries", "iso3", multi=True,
                    help="ISO3 code(s): the plan's country (FTS) or the country of the incident (MMP)"),
    "plan_id": Spec("plan_ids", "int", multi=True, low=1, help="FTS plan id(s), e.g. 827"),
    "region": Spec("regions", "text", multi=True, known="regions", help="incident region(s), e.g. Caribbean"),
    "region_group": Spec("region_groups", "text", multi=True, known="region_groups",
                         help="region group(s), e.g. Americas"),
    "origin_iso3": Spec("origins", "iso3", multi=True, help="nationality ISO3 code(s), e.g. VEN"),
    "cause": Spec("causes", "text", multi=True, known="causes", help="cause(s) of death as published"),
    "route": Spec("routes", "text", multi=True, known="routes", help="migration route(s) as published"),
    "regional": Spec("include_regional", "bool", help="include regional plans (1/0)"),
    "cluster_type": Spec("cluster_type", "choice", choices=("cluster", "globalcluster"),
                         help="plan clusters or global clusters"),
    "freq": Spec("freq", "choice", choices=("month", "year"), help="trend by month or year"),
    "hxl": Spec("hxl", "bool", help="add the HXL hashtag row to CSV (1/0)"),
}
FILTER_FIELDS = {name: spec.field for name, spec in SPECS.items() if spec.field != "hxl"}


def _values(raw: str | Sequence[str] | None) -> list[str]:
    if raw is None:
        return []
    return [raw] if isinstance(raw, str) else [str(v) for v in raw]


def _one(name: str, spec: Spec, text: str, known: Mapping[str, set[str]] | None) -> Any:
    if spec.kind == "int":
        if not _INT.match(text) or not spec.low <= int(text) <= spec.high:
            raise ParamError(name, _("expected a whole number from {low} to {high}, got {value!r}").format(
                low=spec.low, high=spec.high, value=text[:40]))
        return int(text)
    if spec.kind == "iso3":
        if not is_iso3(text):
            raise ParamError(name, _("expected a three-letter ISO3 code in capitals, e.g. VEN; got {value!r}").format(
                value=text[:40]))
        return text
    if spec.kind == "date":
        try:
            if not _DATE.match(text):
                raise ValueError
            value = date.fromisoformat(text)
        except ValueError:
            raise ParamError(name, _("expected a date as YYYY-MM-DD, got {value!r}").format(value=text[:40])) from None
        if not 1900 <= value.year <= 2100:
            raise ParamError(name, _("date out of range (1900-2100): {value}").format(value=text))
        return value
    if spec.kind == "choice":
        if text not in spec.choices:
            raise ParamError(name, _("expected one of {choices}, got {value!r}").format(
                choices=", ".join(spec.choices), value=text[:40]))
        return text
    if spec.kind == "bool":
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ParamError(name, _("expected 1 or 0, got {value!r}").format(value=text[:40]))
    # text: must be a value that occurs in the data (or a known region/group)
    if known is not None and spec.known and text not in known.get(spec.known, set()):
        sample = sorted(known.get(spec.known, set()))[:12]
        raise ParamError(name, _("unknown value {value!r}; known values include: {sample}").format(
            value=text[:60], sample=", ".join(sample) or _("(none in the data)")))
    return text


def parse_param(name: str, raw: str | Sequence[str] | None, known: Mapping[str, set[str]] | None = None) -> Any:
    """The parsed value of one parameter (a tuple for multi-valued ones); ParamError when invalid."""
    spec = SPECS[name]
    values = _values(raw)
    if len(values) > MAX_VALUES:
        raise ParamError(name, _("too many values (at most {n})").format(n=MAX_VALUES))
    for text in values:
        if len(text) > MAX_VALUE_LENGTH:
            raise ParamError(name, _("value too long (at most {n} characters)").format(n=MAX_VALUE_LENGTH))
        if _CONTROL.search(text):
            raise ParamError(name, _("control characters are not allowed"))
    if not spec.multi:
        if len(values) > 1:
            raise ParamError(name, _("give this parameter once"))
        text = values[0].strip() if values else ""
        return None if text == "" else _one(name, spec, text, known)
    parts: list[str] = []
    for text in values:
        if spec.kind in ("int", "iso3"):
            parts.extend(p.strip() for p in text.split(","))
        else:
            parts.append(text.strip())
    parts = [p for p in parts if p != ""]
    if len(parts) > MAX_VALUES:
        raise ParamError(name, _("too many values (at most {n})").format(n=MAX_VALUES))
    return tuple(dict.fromkeys(_one(name, spec, p, known) for p in parts))


def parse(query: Mapping[str, str | Sequence[str]], allowed: Iterable[str],
          known: Mapping[str, set[str]] | None = None, base: Filters = Filters(),
          lenient: bool = False) -> tuple[Filters, dict[str, Any], list[ParamError]]:
    """Filters from a query mapping, starting from `base` (the page's or endpoint's defaults).

    Returns (filters, options, errors): options holds non-filter switches such as `hxl`.
    Strict (lenient=False): the first bad or unexpected parameter raises ParamError.
    Lenient (pages): a bad parameter keeps its default and is reported in `errors`.
    """
    allowed = set(allowed)
    errors: list[ParamError] = []
    changes: dict[str, Any] = {}
    options: dict[str, Any] = {}
    if len(query) > MAX_PARAMS:
        error = ParamError("query", _("too many parameters (at most {n})").format(n=MAX_PARAMS))
        if not lenient:
            raise error
        return base, options, [error]  # pages: the defaults, and say why
    for name, raw in query.items():
        try:
            if name in LANG_PARAMS:  # the interface / CSV header language: allowed everywhere
                value = normalise(raw)
                if value is None:
                    raise ParamError(name, _("unknown language; use one of: {names}").format(names=", ".join(LANGUAGES)))
                options[name] = value
                continue
            if name not in allowed:
                hint = ", ".join(sorted(allowed)) or _("none")
                raise ParamError(name if len(name) <= 40 else name[:40] + "…",
                                 _("unknown parameter here; accepted: {names}").format(names=hint))
            value = parse_param(name, raw, known)
        except ParamError as exc:
            if not lenient:
                raise
            errors.append(exc)
            continue
        spec = SPECS[name]
        if spec.field == "hxl":
            options["hxl"] = bool(value)
        elif value is None:
            changes[spec.field] = None if not spec.multi else ()
            if spec.kind == "bool":  # blank switch = the default
                changes.pop(spec.field)
            if spec.kind == "choice":
                changes.pop(spec.field)
        else:
            changes[spec.field] = value
    filters = base.but(**changes)
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        error = ParamError("date_from", _("date_from ({a}) is after date_to ({b})").format(
            a=filters.date_from, b=filters.date_to))
        if not lenient:
            raise error
        errors.append(error)
        filters = filters.but(date_from=base.date_from, date_to=base.date_to)
    return filters, options, errors


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return value.isoformat() if isinstance(value, date) else str(value)


def to_pairs(f: Filters, names: Iterable[str], base: Filters | None = None) -> list[tuple[str, str]]:
    """(param, value) pairs for `names`, repeating multi-valued ones; with `base`, only what differs
    from it (an emptied default is written as `param=` so the link keeps meaning "none")."""
    pairs: list[tuple[str, str]] = []
    for name in names:
        spec = SPECS[name]
        value = getattr(f, spec.field)
        if base is not None and value == getattr(base, spec.field):
            continue
        if spec.multi:
            if not value and base is not None:
                pairs.append((name, ""))
            pairs.extend((name, _text(v)) for v in value)
        elif value is not None:
            pairs.append((name, _text(value)))
        elif base is not None:
            pairs.append((name, ""))
    return pairs


def describe(f: Filters, names: Iterable[str]) -> list[tuple[str, str]]:
    """Non-empty filters as (param, value) with multi values joined by '+', for file names."""
    out = []
    for name in names:
        spec = SPECS[name]
        value = getattr(f, spec.field)
        if spec.multi and value:
            out.append((name, "+".join(_text(v) for v in value)))
        elif not spec.multi and value is not None and name not in ("regional", "cluster_type", "freq"):
            out.append((name, _text(value)))
    return out
