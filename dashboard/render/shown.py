"""A filter change sends only the chart outputs that change on screen.

A page's one callback answers every chart's figure, summary, table, source, API link (and title, notes)
on a filter change. Many of them are often the same as what the page already shows: a year change on
/crisis leaves the plan and trend charts' tables, summaries and sources as they were, and no source line
ever changes with a filter. The Dash renderer still takes each output in turn (a store update, and for
`children` a walk of the page's component paths), which is most of the browser's work after the answer.

So the page holds, in a dcc.Store (`PageState.shown_id`), a short digest of each chart output it shows,
written by the same answers that write the outputs (and by the page's first answer, render/prefill.py).
The callback reads it as State and sends `no_update` for every output whose digest is the one the page
holds. The store and the outputs change in one answer, which the renderer applies as one; an answer the
renderer drops because a newer change superseded it (its request still in flight) changes neither. The
digest is of the output's JSON, as Dash sends it, so anything that changes what is drawn (another
selection, other data, another language) changes it.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any, Sequence

from dash import no_update
from plotly.io.json import to_json_plotly

KEPT = 32  # digests kept: the answer cache's answers (render/components.ANSWERS keeps 16), and some slack
# an answer's digests by the ids of its values, with the answer itself (held: the ids cannot be reused
# while it is here). Filled and emptied by the answer cache as it keeps and drops answers, so an answer
# seen before is not hashed again and nothing is kept alive that the cache has let go.
_KNOWN: OrderedDict[tuple[int, ...], tuple[Sequence[Any], list[str | None]]] = OrderedDict()
_LOCK = threading.Lock()


def _digest(value: Any) -> str | None:
    if value is no_update:
        return None
    return hashlib.blake2b(to_json_plotly(value).encode(), digest_size=8).hexdigest()


def remember(answer: Sequence[Any]) -> None:
    """Hash the outputs of an answer the answer cache keeps (components.AnswerCache)."""
    found = [_digest(v) for v in answer]
    with _LOCK:
        _KNOWN[tuple(map(id, answer))] = (answer, found)
        while len(_KNOWN) > KEPT:
            _KNOWN.popitem(last=False)


def forget(answer: Sequence[Any]) -> None:
    """The answer cache has dropped `answer`."""
    key = tuple(map(id, answer))
    with _LOCK:
        if key in _KNOWN and _KNOWN[key][0] is answer:
            del _KNOWN[key]


def digests(answer: Sequence[Any]) -> list[str | None]:
    """One digest per output of `answer` (None for no_update): kept ones for an answer of the answer cache
    (or a slice of one's first outputs: the same values), else computed."""
    with _LOCK:
        hit = _KNOWN.get(tuple(map(id, answer)))
    if hit is not None and len(hit[0]) == len(answer) and all(a is b for a, b in zip(hit[0], answer)):
        return hit[1]
    return [_digest(v) for v in answer]


def only_changed(answer: Sequence[Any], shown: Any) -> tuple[list[Any], Any]:
    """`answer` with no_update for each output the page shows already (its digest in `shown`), and what
    the page's store of digests becomes. `shown` is the store's data: a list of digests in output order,
    or anything else (None, a list of another length) when the page's store does not describe its
    outputs, and then everything is sent."""
    if all(v is no_update for v in answer):
        return list(answer), no_update
    new = digests(answer)
    if not isinstance(shown, list) or len(shown) != len(new):
        return list(answer), new
    out = [no_update if d is not None and d == old else v for v, d, old in zip(answer, new, shown)]
    kept = [old if d is None else d for d, old in zip(new, shown)]
    return out, (no_update if kept == shown else kept)
