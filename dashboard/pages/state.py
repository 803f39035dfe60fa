"""A page's filter state lives in the URL query string.

Each page has its own `dcc.Location(refresh=False)` and one callback that keeps the controls and the
query string in step, in both directions:

* a control changes -> the page writes the new query string (history.pushState, no reload, no
  re-render of the page, so keyboard focus stays where it is);
* back/forward (popstate) changes the query string -> the controls are set from it, and the charts,
  which listen to the controls, redraw.

Opening a link renders the page from its query string (`layout(**query)`), so a filtered view is a
shareable URL. The sync function is pure apart from Dash's `no_update`, and is unit-tested directly.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import parse_qs, urlencode

from dash import Input, Output, ctx, dcc, no_update

from dashboard.i18n import lang_pairs

URL = "url"


@dataclass
class PageState:
    """How one page maps between its controls, its Filters and its query string."""

    prefix: str
    controls: Sequence[tuple[str, str]]  # (component id, property), in callback order
    # The page's state is usually a Filters, but any comparable value works (the data page uses the
    # table name).
    from_query: Callable[[Mapping[str, Any]], Any]  # lenient: bad values fall back to defaults
    from_controls: Callable[[dict[str, Any], str | None], Any]  # values by "id.prop", trigger id
    to_controls: Callable[[Any], dict[str, Any]]  # values by "id.prop"
    to_pairs: Callable[[Any], list[tuple[str, str]]]
    extras: Sequence[tuple[str, str]] = field(default_factory=list)  # outputs derived from the state
    extras_for: Callable[[Any], list[Any]] | None = None

    @property
    def url_id(self) -> str:
        return f"{self.prefix}{URL}"

    def location(self) -> dcc.Location:
        # href given (any fixed value): dcc.Location then never pushes the href it mounted with, which is
        # stale once assets/links.js has written the applied filters into the address
        return dcc.Location(id=self.url_id, refresh=False, href="")

    def search(self, f: Any) -> str:
        pairs = self.to_pairs(f) + lang_pairs()  # a permalink keeps the language (?lang=es)
        return f"?{urlencode(pairs)}" if pairs else ""

    def canonical(self, pairs: list[tuple[str, str]]) -> str:
        """The query string of every applied filter (`pairs`, defaults included) and the language."""
        pairs = pairs + lang_pairs()
        return f"?{urlencode(pairs)}" if pairs else ""

    def sync(self, trigger: str | None, search: str | None, *values: Any) -> list[Any]:
        """New control values (no_update where unchanged), extras, and the new search string."""
        keys = [f"{cid}.{prop}" for cid, prop in self.controls]
        current = dict(zip(keys, values))
        if trigger == self.url_id:
            query = {k: (v[0] if len(v) == 1 else v)
                     for k, v in parse_qs((search or "").lstrip("?"), keep_blank_values=True).items()}
            f = self.from_query(query)
        else:
            f = self.from_controls(dict(current), trigger)
        wanted = self.to_controls(f)
        out: list[Any] = [wanted[k] if wanted[k] != current[k] else no_update for k in keys]
        changed = any(v is not no_update for v in out)
        if self.extras:
            out.extend(self.extras_for(f) if (changed or trigger != self.url_id) and self.extras_for
                       else [no_update] * len(self.extras))
        new_search = self.search(f)
        out.append(new_search if trigger != self.url_id and new_search != (search or "") else no_update)
        return out

    def register(self, app: Any) -> None:
        """The one callback: controls and query string in, controls and query string out."""
        outputs = [Output(cid, prop, allow_duplicate=False) for cid, prop in self.controls]
        outputs += [Output(cid, prop) for cid, prop in self.extras]
        outputs.append(Output(self.url_id, "search"))
        inputs = [Input(cid, prop) for cid, prop in self.controls] + [Input(self.url_id, "search")]

        def sync_callback(*args: Any) -> list[Any]:
            *values, search = args
            return self.sync(ctx.triggered_id, search, *values)

        sync_callback.__name__ = f"{self.prefix.rstrip('-')}_sync_url"
        app.callback(outputs, inputs, prevent_initial_call=True)(sync_callback)


def first(value: Any) -> Any:
    """The single value of a query parameter that may have been repeated (Dash passes lists)."""
    return value[0] if isinstance(value, list) and value else value
