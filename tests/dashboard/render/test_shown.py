"""What a page is sent after a filter change (dashboard/render/shown.py): only the outputs whose digest the
page's store does not hold; the store's next value; and digests kept only for the answers the answer cache
keeps (an answer it drops is not kept alive, nor hashed from a stale entry)."""
from __future__ import annotations

from dash import no_update

from dashboard.render import shown
from dashboard.render.components import AnswerCache


def _answer(n: int) -> tuple:
    return ({"data": [{"y": [n, 2]}], "layout": {}}, f"summary {n}", "source", f"/api/x.csv?year={n}")


def test_only_what_the_page_does_not_show_is_sent():
    first, second = _answer(1), _answer(2)
    sent, store = shown.only_changed(first, None)  # a page whose store is empty gets everything
    assert sent == list(first) and store == shown.digests(first) and len(set(store)) == 4
    sent, store2 = shown.only_changed(second, store)
    assert sent == [second[0], second[1], no_update, second[3]]  # the source line is unchanged
    assert store2 == shown.digests(second) and store2[2] == store[2]
    sent, store3 = shown.only_changed(second, store2)  # nothing new: nothing sent, the store as it is
    assert sent == [no_update] * 4 and store3 is no_update
    sent, _store = shown.only_changed(second, store2[:3])  # a store of another length describes nothing
    assert sent == list(second)


def test_an_output_left_unsent_keeps_its_digest_in_the_store():
    store = shown.digests(_answer(1))
    partial = (no_update, "summary 9", no_update, no_update)
    sent, now = shown.only_changed(partial, store)
    assert sent == list(partial) and now[0] == store[0] and now[2:] == store[2:] and now[1] != store[1]
    assert shown.only_changed((no_update,) * 4, store) == ([no_update] * 4, no_update)


def test_digests_are_kept_for_the_answer_caches_answers_only():
    cache = AnswerCache(size=2)
    answers = [cache.get(("k", n), lambda n=n: _answer(n)) for n in range(3)]
    kept = {key for key, (answer, _d) in shown._KNOWN.items() if any(answer is a for a in answers)}
    assert len(kept) == 2  # the first was dropped by the cache, and forgotten with it
    assert not any(entry[0] is answers[0] for entry in shown._KNOWN.values())
    # an answer the cache keeps, or the first outputs of a page answer built on it, are not hashed again
    assert shown.digests(answers[2]) is shown.digests(tuple(answers[2]))
    page = (*answers[2], "tools")
    assert shown.digests(page[:4]) is shown.digests(answers[2])
    # equal values that are other objects are hashed afresh, to the same digests
    again = _answer(2)
    assert shown.digests(again) is not shown.digests(answers[2]) and shown.digests(again) == shown.digests(answers[2])
