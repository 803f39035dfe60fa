"""Digest of every API answer, CSV download and page layout, to show a refactor changed no byte.

    python tools/answers_digest.py [--data-dir DIR] > before.json
    ... change the code ...
    python tools/answers_digest.py [--data-dir DIR] > after.json
    python tools/answers_digest.py --compare before.json after.json     # exit 1 and list what differs
    python tools/answers_digest.py --without-arrow > arrowless.json     # as a server process reads (no pyarrow)
    python tools/answers_digest.py --callbacks 400 > with_charts.json   # also 400 filter changes' chart answers

Every table (`/api/tables`) and view (`/api/views`) is fetched as CSV and JSON, with no filter and with
each filter set below; pages' layouts (`/_dash-layout` after a visit) in both languages; the OpenAPI
description; with --callbacks N, also the answers to N filter changes on the chart pages (the figures,
summaries and tables each change draws; the same seeded changes as `bench.probe_memory --mode served`,
every fourth in Spanish; compared as JSON, property order aside). Answers are fetched through Flask's
test client on the app `create_app()` builds, so no server is needed; data default to the bundled snapshot.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

FILTER_SETS = [
    "",
    "country=VEN&year=2019",
    "country=AFG",
    "year=2020",
    "year=2025&region_group=Americas",
    "date_from=2020-03-01&date_to=2020-05-31",
    "origin_iso3=AFG",
    "plan_id=827",
    "freq=month&year=2024",
]
_END_ID = re.compile(rb'"end_id":"[^"]*"')
PAGES = ["/", "/funding", "/funding/compare", "/migration", "/crisis", "/data", "/changes", "/about"]


def digests(data_dir: str | None) -> dict[str, str]:
    os.environ.setdefault("HUMDASH_RATELIMIT", "off")  # hundreds of answers from one client

    if data_dir:
        os.environ["HUMDASH_DATA_DIR"] = data_dir
    from dashboard.app import create_app

    client = create_app().server.test_client()
    out: dict[str, str] = {}

    def take(url: str) -> Any:
        answer = client.get(url)
        body = _END_ID.sub(b"", answer.get_data())  # Dash writes a random id into every page
        out[url] = f"{answer.status_code} {hashlib.sha256(body).hexdigest()}"
        return answer

    urls = [t["csv"] for t in take("/api/tables").get_json()] + [v["csv"] for v in take("/api/views").get_json()]
    take("/api/openapi.json")
    for csv in urls:
        for query in FILTER_SETS:
            for url in (csv, csv[: -len(".csv")] + ".json"):
                take(url + ("?" + query if query else ""))
    for lang in ("", "?lang=es"):
        for page in PAGES:
            take(page + lang)
            take("/_dash-layout")
    take("/funding/compare.csv")
    return out


def _module(path: Path, name: str) -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def callback_digests(changes: int, seed: int = 15) -> dict[str, str]:
    """Digest of every chart-callback answer to `changes` filter changes, on an app of its own."""
    import random

    from dashboard.app import create_app

    root = Path(__file__).resolve().parents[1]
    flow = _module(root / "load" / "dashflow.py", "humdash_digest_dashflow")
    probe = _module(root / "bench" / "probe_memory.py", "humdash_digest_probe")
    client = create_app().server.test_client()
    deps = client.get("/_dash-dependencies").get_json()
    pages = {path: flow.page_values(client.post("/_dash-update-component", json=flow.router_payload(deps, path))
                                    .get_json()) for path in ("/migration", "/crisis", "/funding", "/")}
    # whole answers: a page's store of what it shows (render/shown.py) emptied, so no output is left unsent
    pages = {path: {k: (None if k.endswith("shown.data") else v) for k, v in vals.items()} for path, vals in pages.items()}
    rng = random.Random(seed)
    out: dict[str, str] = {}
    for n in range(changes):
        path = list(pages)[n % len(pages)]
        referer = f"http://localhost{path}" + ("?lang=es" if n % 4 == 3 else "")
        for body in probe._change_bodies(flow, deps, pages[path], rng):
            answer = client.post("/_dash-update-component", json=body, headers={"Referer": referer})
            # as JSON with sorted keys: the same figure built another way may list its properties in
            # another order (go.Figure sorts some of them, plain dicts keep the order they were set in)
            text = json.dumps(answer.get_json(), sort_keys=True) if answer.is_json else answer.get_data(as_text=True)
            out[f"callback {n} {path} {body['output'][:60]}"] = (
                f"{answer.status_code} {hashlib.sha256(text.encode()).hexdigest()}")
    return out


def compare(before: str, after: str) -> int:
    a = json.load(open(before))
    b = json.load(open(after))
    differ = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    for key in differ:
        print(f"differs: {key}: {a.get(key)} -> {b.get(key)}")
    print(f"{len(a)} answers before, {len(b)} after, {len(differ)} differ")
    return 1 if differ else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir")
    p.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"))
    p.add_argument("--without-arrow", action="store_true",
                   help="keep pyarrow out of this process first, as the server entry points do (dashboard/serving.py)")
    p.add_argument("--callbacks", type=int, default=0, metavar="N", help="also digest N filter changes' chart answers")
    args = p.parse_args()
    if args.compare:
        return compare(*args.compare)
    if os.environ.get("PYTHONHASHSEED") != "0":  # props built from sets come out in hash order
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})
    if args.without_arrow:
        from dashboard.serving import keep_arrow_out

        if not keep_arrow_out():
            raise SystemExit("cannot keep pyarrow out (HUMDASH_ARROW=1, or fastparquet is not installed)")
    out = digests(args.data_dir)
    if args.callbacks:
        out.update(callback_digests(args.callbacks))
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
