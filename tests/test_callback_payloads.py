"""Bad callback payloads get a JSON 400, never a 500: malformed JSON (including JSON nested thousands
deep) and input values of a type or form the browser never sends, for every registered callback."""
from __future__ import annotations

import pytest

from tests.fixtures.dashboard.dashboard_synth import app, client, data_dir, dispatch, empty_snapshot  # noqa: E402,F401

URL = "/_dash-update-component"


@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    b'{"output": "x", bad json',
    b"",
    b'{"output": "\xff"}',
])
def test_malformed_json_is_400(client, body):
    r = client.post(URL, data=body, content_type="application/json")
    assert r.status_code == 400 and r.json["error"] == "bad callback request"


def payload(dep: dict, bad) -> dict:
    out = dep["output"]
    outputs = ([dict(zip(("id", "property"), o.split(".", 1))) for o in out.strip(".").split("...")]
               if out.startswith("..") else dict(zip(("id", "property"), out.split(".", 1))))
    first = dep["inputs"][0]
    return {"output": out, "outputs": outputs,
            "inputs": [{"id": i["id"], "property": i["property"], "value": bad} for i in dep["inputs"]],
            "state": [{"id": s["id"], "property": s["property"], "value": bad} for s in dep["state"]],
            "changedPropIds": [f"{first['id']}.{first['property']}"] if isinstance(first["id"], str) else []}


@pytest.mark.parametrize("bad", [{"x": 1}, [1, 2], "zzz", -5, [[1]], True])
def test_wrong_typed_inputs_are_400_for_every_callback(client, bad):
    deps = client.get("/_dash-dependencies").get_json()
    assert len(deps) > 20
    statuses = {}
    for dep in deps:
        r = client.post(URL, json=payload(dep, bad))
        statuses[dep["output"]] = r.status_code
        assert r.status_code < 500, (dep["output"], bad, r.data[:200])
        if r.status_code == 400:
            assert r.json["error"] == "bad callback request"
    if bad == {"x": 1}:  # an object is never a dropdown's value: refused before any callback runs
        assert all(status == 400 for status in statuses.values())


def test_a_valid_callback_still_answers(client):
    out = dispatch(client, "_pages_content", {"_pages_location.pathname": "/about", "_pages_location.search": ""})
    assert "_pages_content" in out
