"""What a browser sends to the dashboard, rebuilt from the app itself (no recorded payloads to go
stale): the page list from the navigation in /_dash-layout, each page's layout from the pages
router callback, and Dash callback payloads from /_dash-dependencies filled with the values the
layout holds. Pure functions over JSON; locustfile.py does the HTTP.
"""
from __future__ import annotations

import random
from typing import Any, Iterator

ROUTER = ".._pages_content.children..._pages_store.data.."


def walk(tree: Any) -> Iterator[dict[str, Any]]:
    """Every component (a dict with "props") in a Dash layout tree."""
    if isinstance(tree, dict):
        if "props" in tree and "type" in tree:
            yield tree
        for value in (tree.get("props") or {}).values() if "props" in tree else tree.values():
            yield from walk(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from walk(item)


def page_paths(layout: dict[str, Any]) -> list[str]:
    """The pages linked from the app's navigation (dcc.Link hrefs inside <nav>)."""
    paths: list[str] = []
    for component in walk(layout):
        if component["type"] == "Nav":
            for link in walk(component["props"].get("children")):
                href = link["props"].get("href")
                if link["type"] == "Link" and isinstance(href, str) and href.startswith("/") and href not in paths:
                    paths.append(href)
    return paths


def values(layout: Any) -> dict[str, Any]:
    """{"id.prop": value} of every property of every component with an id."""
    out: dict[str, Any] = {}
    for component in walk(layout):
        props = component["props"]
        cid = props.get("id")
        if isinstance(cid, str):
            for prop, value in props.items():
                if prop != "children":
                    out[f"{cid}.{prop}"] = value
            if component["type"] == "Location":  # the browser fills these in
                out.setdefault(f"{cid}.search", "")
                out.setdefault(f"{cid}.pathname", None)
    return out


def router_payload(deps: list[dict[str, Any]], path: str) -> dict[str, Any]:
    """The pages router's request for `path` (no query string), as the browser sends it on a first visit."""
    router = next(d for d in deps if d["output"] == ROUTER)
    return payload(router, {"_pages_location.pathname": path, "_pages_location.search": ""},
                   ["_pages_location.pathname", "_pages_location.search"])


def page_values(answer: dict[str, Any]) -> dict[str, Any]:
    """{"id.prop": value} of the page in the pages router's answer (see `values`)."""
    return values(answer["response"]["_pages_content"]["children"])


def outputs_of(output: str) -> Any:
    if output.startswith(".."):
        return [dict(zip(("id", "property"), o.split(".", 1))) for o in output.strip(".").split("...")]
    return dict(zip(("id", "property"), output.split(".", 1)))


def payload(dep: dict[str, Any], vals: dict[str, Any], changed: list[str]) -> dict[str, Any]:
    """The JSON body of one callback request, as dash-renderer sends it."""
    fill = lambda specs: [{"id": s["id"], "property": s["property"],  # noqa: E731
                           "value": vals.get(f"{s['id']}.{s['property']}")} for s in specs]
    body = {"output": dep["output"], "outputs": outputs_of(dep["output"]), "inputs": fill(dep["inputs"]),
            "changedPropIds": changed}
    if dep.get("state"):
        body["state"] = fill(dep["state"])
    return body


def server_side(deps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in deps if not d.get("clientside_function") and d["output"] != ROUTER]


def in_page(dep: dict[str, Any], vals: dict[str, Any]) -> bool:
    return all(f"{i['id']}.{i['property']}" in vals for i in dep["inputs"])


def initial_callbacks(deps: list[dict[str, Any]], vals: dict[str, Any]) -> list[dict[str, Any]]:
    """The callbacks a browser fires when the page appears: those whose inputs are all on the page,
    not downloads, not prevent_initial_call (the URL-sync callback too: the location sets its search)."""
    out = []
    for dep in server_side(deps):
        if not in_page(dep, vals) or dep["output"].endswith(".data") and "download" in dep["output"]:
            continue
        url_sync = dep["output"].endswith("url.search..")
        if dep.get("prevent_initial_call") and not url_sync:
            continue
        changed = [f"{i['id']}.{i['property']}" for i in dep["inputs"] if i["property"] == "search"] if url_sync else []
        out.append(payload(dep, vals, changed))
    return out


def filter_change(deps: list[dict[str, Any]], vals: dict[str, Any], rng: random.Random) -> tuple[str, list[dict]]:
    """Pick a filter control on the page (one with options) and a new value; the callbacks that
    listen to it (charts, cards, the URL), as the browser sends them after the change."""
    controls = []
    for key, value in vals.items():
        cid, prop = key.rsplit(".", 1)
        options = vals.get(f"{cid}.options")
        if prop == "value" and isinstance(options, list) and options and cid.split("-")[-1] not in ("hxl",):
            controls.append((cid, value, options))
    if not controls:
        return "", []
    cid, current, options = rng.choice(controls)
    choices = [o["value"] if isinstance(o, dict) else o for o in options]
    choices = [c for c in choices if c not in (None, "")] or choices
    new = rng.choice(choices)
    changed_vals = dict(vals)
    changed_vals[f"{cid}.value"] = [new] if isinstance(current, list) else new
    key = f"{cid}.value"
    bodies = [payload(dep, changed_vals, [key]) for dep in server_side(deps)
              if in_page(dep, changed_vals) and any(f"{i['id']}.{i['property']}" == key for i in dep["inputs"])]
    return key, bodies


def downloads(deps: list[dict[str, Any]], vals: dict[str, Any]) -> list[dict[str, Any]]:
    """The chart "Download CSV" callbacks on the page (n_clicks = 1)."""
    out = []
    for dep in server_side(deps):
        if dep["output"].endswith("-download.data") and in_page(dep, vals):
            clicked = {**vals, **{f"{i['id']}.{i['property']}": 1 for i in dep["inputs"]}}
            out.append(payload(dep, clicked, [f"{dep['inputs'][0]['id']}.{dep['inputs'][0]['property']}"]))
    return out


def api_queries(views: list[dict[str, Any]], options: dict[str, list[Any]], rng: random.Random,
                ext: str = "json") -> str:
    """A random filtered query on one chart view (/api/views), values from the page options."""
    view = rng.choice(views)
    params = [p for p in view["params"] if options.get(p)]
    chosen = rng.sample(params, k=min(len(params), rng.randint(0, 2)))
    query = "&".join(f"{p}={rng.choice(options[p])}" for p in chosen)
    url = view[ext]
    return url + ("?" + query if query else "")


def option_values(all_vals: dict[str, Any]) -> dict[str, list[Any]]:
    """Values for API parameters, taken from the pages' own controls."""
    out: dict[str, list[Any]] = {"freq": ["month", "year"], "cluster_type": ["cluster", "globalcluster"]}
    wanted = {"year": ("-year", "-years"), "country": ("-country",), "region_group": ("-group",)}
    for key, value in all_vals.items():
        cid, prop = key.rsplit(".", 1)
        if prop != "options" or not isinstance(value, list):
            continue
        for param, suffixes in wanted.items():
            if cid.endswith(suffixes):
                vals = [o["value"] if isinstance(o, dict) else o for o in value]
                out.setdefault(param, [])
                out[param].extend(v for v in vals if v not in ("", None) and v not in out[param])
    return out
