"""A page's first charts travel with the page itself.

Opening a page used to take three callback round trips in a row: the pages router sends the layout,
the URL sync runs, then the charts callback answers. The charts callback now skips its initial call
(`prevent_initial_call`): when a page is rendered for a browser (into the first layout by
app.page_container, or by the router), `prefilled(layout)` runs the page's charts callback on the
control values the layout was built with and writes its answer (figures, summaries, tables, sources,
API links, tools, notes) into the layout's components. The browser draws the charts
from the page answer; the charts callback runs when a filter changes, as before.

The answer comes from the same function and the same answer cache the callback uses, so the page and
a filter change back to the same selection show the same figures, byte for byte.
"""
from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Callable

from dash import ctx, no_update
from plotly.io.json import to_json_plotly

from dashboard.i18n import _
from dashboard.render.shown import digests

LOG = logging.getLogger(__name__)
ROUTER = "_pages_location"  # the component of Dash's pages router


@dataclass(frozen=True)
class Prefill:
    """A page's charts callback: its inputs (component id, property), outputs and function."""

    controls: tuple[tuple[str, str], ...]
    outputs: tuple[tuple[str, str], ...]
    answer: Callable[..., tuple[Any, ...]]
    summaries: tuple[str, ...]  # the summary paragraphs' ids: where a failure is said
    # the page's store of what its chart outputs show (render/shown.py), and how many of the outputs,
    # from the first, it describes (the charts callback's own; not the tools that follow them)
    shown: str | None = None
    described: int = 0


CALLBACKS: dict[str, Prefill] = {}  # page prefix -> its charts callback


def register(prefix: str, prefill: Prefill) -> None:
    CALLBACKS[prefix] = prefill


def _by_id(layout: Any) -> dict[str, Any]:
    """Every component of `layout` (a component, or a list of them) with an id, by id."""
    roots = layout if isinstance(layout, (list, tuple)) else [layout]
    return {c.id: c for root in roots if hasattr(root, "_traverse") for c in [root, *root._traverse()]
            if isinstance(getattr(c, "id", None), str)}


FOR_BROWSER: ContextVar[bool] = ContextVar("humdash_page_for_browser", default=False)  # set by app.page_container


def rendering_for_browser() -> bool:
    """True while a page is rendered for a browser: by the pages router, or into the layout the browser
    loads first (app.page_container) — not the validation layout, which Dash builds from every page
    once, outside any callback."""
    if FOR_BROWSER.get():
        return True
    try:
        return ctx.triggered_id == ROUTER
    except Exception:  # outside a callback: MissingCallbackContextException
        return False


def fill(layout: Any) -> Any:
    """`layout` with the answers of the charts callbacks whose controls it holds written into it."""
    found = _by_id(layout)
    for prefix, prefill in CALLBACKS.items():
        if not all(cid in found for cid, _prop in prefill.controls):
            continue
        # the values as the browser would send them: JSON (dates as ISO text, tuples as lists)
        values = json.loads(to_json_plotly([getattr(found[c], p, None) for c, p in prefill.controls]))
        try:
            answer = prefill.answer(*values)
        except Exception:  # the page still opens; the charts are drawn on the next filter change
            LOG.exception("charts of %s could not be drawn with the page", prefix)
            for summary in prefill.summaries:
                if summary in found:
                    found[summary].children = _("This chart could not be drawn. Change a filter to try again.")
            continue
        for (cid, prop), value in zip(prefill.outputs, answer):
            if value is not no_update and cid in found:
                setattr(found[cid], prop, value)
        if prefill.shown in found:
            found[prefill.shown].data = digests(tuple(answer[:prefill.described]))
    return layout


def prefilled(layout: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a page's `layout(**query)` so that a page rendered for a browser carries its first charts."""
    if not callable(layout) or getattr(layout, "_humdash_prefilled", False):
        return layout

    def wrapped(**query: Any) -> Any:
        page = layout(**query)
        return fill(page) if rendering_for_browser() else page

    wrapped._humdash_prefilled = True  # type: ignore[attr-defined]
    wrapped.__doc__ = layout.__doc__
    return wrapped
