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

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import parse_qs, urlencode

from dash import Input, Output, State, ctx, dcc, no_update

from dashboard.i18n import lang_pairs
from dashboard.render.shown import only_changed

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
    charted: bool = False  # the page's charts are answered by its sync callback (register(app, charts))

    @property
    def url_id(self) -> str:
        return f"{self.prefix}{URL}"

    @property
    def shown_id(self) -> str:
        """The page's store of what its chart outputs show (render/shown.py)."""
        return f"{self.prefix}shown"

    def location(self) -> list[Any]:
        """The page's address (and, on a page with charts, the store of what they show)."""
        # href given (any fixed value): dcc.Location then never pushes the href it mounted with, which is
        # stale once assets/links.js has written the applied filters into the address
        return [dcc.Location(id=self.url_id, refresh=False, href=""),
                *([dcc.Store(id=self.shown_id, data=None)] if self.charted else [])]

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

    def register(self, app: Any, charts: Any = None) -> None:
        """The one callback: controls and query string in, controls and query string out.

        With `charts` (a render.prefill.Prefill: the page's chart inputs, outputs and answer function) the
        page's charts are answered by the same callback, so a filter change costs one request. Were they
        two callbacks, the charts would wait for the sync's answer whenever it sets a control they read
        (a year sets the dates), a second round trip on every such change."""
        outputs = [Output(cid, prop, allow_duplicate=False) for cid, prop in self.controls]
        outputs += [Output(cid, prop) for cid, prop in self.extras]
        inputs: list[Any] = [Input(cid, prop) for cid, prop in self.controls] + [Input(self.url_id, "search")]
        name = f"{self.prefix.rstrip('-')}_sync_url"
        if charts is not None:
            self.charted = True
            outputs += [Output(cid, prop) for cid, prop in charts.outputs] + [Output(self.shown_id, "data")]
            inputs.append(State(self.shown_id, "data"))
            name = f"{self.prefix.rstrip('-')}_page"
        outputs.append(Output(self.url_id, "search"))  # last: load/dashflow knows the sync by it

        def sync_callback(*args: Any) -> list[Any]:
            if charts is None:
                *values, search = args
                return self.sync(ctx.triggered_id, search, *values)
            *values, search, shown = args
            out = self.sync(ctx.triggered_id, search, *values)
            answer = self.chart_answer(charts, list(ctx.triggered_prop_ids), values, out)
            # what the page shows already is not sent again (render/shown.py)
            sent, shown_now = only_changed(answer, shown)
            return [*out[:-1], *sent, shown_now, out[-1]]

        sync_callback.__name__ = name
        app.callback(outputs, inputs, prevent_initial_call=True)(sync_callback)

    def chart_answer(self, charts: Any, triggered: list[str], values: Sequence[Any],
                     synced: Sequence[Any]) -> Sequence[Any]:
        """The charts' outputs after a sync that answered `synced` to control `values`: no_update unless a
        control the charts read was changed by the user (`triggered`) or by the sync itself, as if the
        charts were a callback of their own listening to those controls."""
        keys = [f"{cid}.{prop}" for cid, prop in self.controls]
        new = {k: v for k, v in zip(keys, synced) if v is not no_update}
        now = dict(zip(keys, values))
        # as the browser would send them back: JSON (tuples as lists, dates as text)
        now.update(json.loads(json.dumps(new, default=str)))
        wanted = [f"{cid}.{prop}" for cid, prop in charts.controls]
        if not any(k in new or k in triggered for k in wanted):
            return [no_update] * len(charts.outputs)
        return charts.answer(*[now[k] for k in wanted])


def first(value: Any) -> Any:
    """The single value of a query parameter that may have been repeated (Dash passes lists)."""
    return value[0] if isinstance(value, list) and value else value
