"""Hardening for a public deployment: security headers on every response, request size limits,
JSON errors without tracebacks, and a sanity check of Dash callback requests.

Headers (every response: pages, assets, Dash's JS, callbacks, API, errors):

* Content-Security-Policy: scripts only from this server (`script-src 'self'` plus the sha256 of
  each of Dash's own inline scripts, from `app.csp_hashes()`); no `'unsafe-eval'` (plotly's
  bar/scatter/geo charts and Dash's renderer run without it, tested in Chromium);
  `style-src 'self' 'unsafe-inline'` because plotly.js injects `<style>` rules and style
  attributes into its SVG (modebar, hover labels) at run time, and Dash's components set inline
  styles; `img-src 'self' data: blob:` (plotly's modebar icons and "download plot as PNG");
  `connect-src 'self'` (callbacks, the base-map topojson); `object-src 'none'`; `base-uri 'self'`;
  `form-action 'self'`; `frame-ancestors 'none'`.
* X-Frame-Options: DENY, X-Content-Type-Options: nosniff, Referrer-Policy: same-origin,
  Cross-Origin-Opener-Policy: same-origin, a Permissions-Policy that turns off camera, microphone,
  geolocation and payment, and Strict-Transport-Security when the request came over HTTPS.

Embedding (framing) is off by default. Switch it on deliberately with `HUMDASH_ALLOW_EMBED` (or
`create_app(allow_embed=...)`):

    HUMDASH_ALLOW_EMBED=1                                  any site may frame every page
    HUMDASH_ALLOW_EMBED="https://a.example https://b.example"  only these origins may
    (unset, "" or 0)                                       nobody: frame-ancestors 'none' + X-Frame-Options: DENY

`embed_paths` (e.g. `("/embed/",)`, for the planned embed routes) are path prefixes that may be
framed even when embedding is otherwise off: by the origins in HUMDASH_ALLOW_EMBED if it lists
some, else by any site. X-Frame-Options is left out wherever framing is allowed.

Limits: a query string over MAX_QUERY_BYTES (or a path over MAX_PATH_BYTES) gets 414, a request
body over MAX_BODY_BYTES 413, a malformed callback request (not JSON, naming no known callback,
or an input value of a type the browser never sends, see `_value_problem`) 400. Every error is JSON
`{"error", "message", "status"}` (plus `param` where a parameter is at fault); unexpected exceptions
are logged with their traceback and answered with a JSON 500 that carries none (a callback that
cannot use the values it was sent answers 400).
"""
from __future__ import annotations

import logging
import re
from typing import Any, Iterable

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from dashboard.settings import settings

log = logging.getLogger(__name__)

MAX_QUERY_BYTES = 8 * 1024
MAX_PATH_BYTES = 8 * 1024
MAX_BODY_BYTES = 1024 * 1024
_OFF = {"", "0", "false", "no", "off"}
_ANY = {"1", "true", "yes", "on", "*"}
_ORIGIN = re.compile(r"^(https?://(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?|'self')$")


def json_error(status: int, error: str, message: str, **extra: Any) -> Response:
    """A JSON error answer: {"error", "message", "status", ...extra}."""
    response = jsonify({"error": error, "message": message, "status": status, **extra})
    response.status_code = status
    return response


def frame_ancestors(allow_embed: bool | str | None) -> str | None:
    """The frame-ancestors source list for a switch value (None: framing not allowed).

    None reads $HUMDASH_ALLOW_EMBED. True or "1": any site ("*"); a string of origins: those."""
    if allow_embed is None:
        allow_embed = settings().allow_embed
    if allow_embed is True:
        return "*"
    if allow_embed is False:
        return None
    text = str(allow_embed).strip()
    if text.lower() in _OFF:
        return None
    if text.lower() in _ANY:
        return "*"
    origins = text.replace(",", " ").split()
    for origin in origins:
        if not _ORIGIN.match(origin):
            raise ValueError(f"HUMDASH_ALLOW_EMBED: not an origin: {origin[:80]!r} (use 1, 0 or https://… origins)")
    return " ".join(origins)


class Policy:
    """The headers for one app; script hashes are read from Dash when the first page is served."""

    def __init__(self, app: Any, allow_embed: bool | str | None = None, embed_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.ancestors = frame_ancestors(allow_embed)
        self.embed_paths = tuple(embed_paths)
        self._key: tuple[int, int, str] | None = None
        self._hashes: list[str] = []

    def script_hashes(self) -> list[str]:
        """sha256 of Dash's inline scripts (the renderer bootstrap and inline clientside callbacks).

        Dash adds the pages router's clientside callback on the first request, so the list is
        recomputed whenever Dash's inline scripts change (cheap: a few short strings)."""
        import dash._callback as dash_callback

        def key() -> tuple[int, int, str]:
            return len(self.app._inline_scripts), len(dash_callback.GLOBAL_INLINE_SCRIPTS), self.app.renderer

        if self._key != key():
            self._hashes = list(self.app.csp_hashes())
            self._key = key()
        return self._hashes

    def framing(self, path: str) -> str | None:
        """Who may frame `path` (None: nobody)."""
        if self.ancestors:
            return self.ancestors
        if any(path.startswith(p) for p in self.embed_paths):
            return "*"
        return None

    def csp(self, path: str) -> str:
        ancestors = self.framing(path) or "'none'"
        directives = [
            "default-src 'self'",
            "script-src " + " ".join(["'self'", *self.script_hashes()]),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {ancestors}",
        ]
        return "; ".join(directives)

    def apply(self, response: Response) -> Response:
        headers = response.headers
        headers["Content-Security-Policy"] = self.csp(request.path)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        if self.framing(request.path):
            headers.pop("X-Frame-Options", None)
        else:
            headers["X-Frame-Options"] = "DENY"
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


_SCALAR = (str, int, float, type(None))
_BAD_VALUE_ERRORS = (TypeError, ValueError, KeyError, IndexError, AttributeError)
_TEXT_PROPS = {"search", "pathname", "href", "hash", "start_date", "end_date", "filter_query", "date"}
_COUNT_PROPS = {"n_clicks", "page_current", "page_size", "n_clicks_timestamp"}
_DICT_PROPS = {"clickData", "hoverData", "selectedData", "relayoutData", "active_cell"}
_LIST_PROPS = {"sort_by", "selected_rows", "options"}


def _value_problem(prop: str, value: Any) -> str | None:
    """What is wrong with the type of a callback input's value (None: what the browser can send).

    Only the properties our pages listen to are checked, by what their components send: a value
    (dropdown, radio, checklist) is a number, a text or a list of them; dates, addresses and queries
    are text; counts are integers; plotly's event data are objects. A value the browser cannot send
    is a bad request (400), not a server error."""
    if prop == "value":
        ok = isinstance(value, _SCALAR) or (isinstance(value, list) and all(isinstance(v, _SCALAR) for v in value))
        return None if ok else "expected a number, a text or a list of them"
    if prop == "pathname":
        return None if value is None or (isinstance(value, str) and value.startswith("/")) else "expected a path"
    if prop in _TEXT_PROPS:
        return None if isinstance(value, (str, type(None))) else "expected a text"
    if prop in _COUNT_PROPS:
        ok = value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)
        return None if ok else "expected a whole number"
    if prop in _DICT_PROPS:
        return None if isinstance(value, (dict, type(None))) else "expected an object"
    if prop in _LIST_PROPS:
        return None if isinstance(value, (list, type(None))) else "expected a list"
    return None


def _check_callback_body(known_outputs: Any) -> Response | None:
    """400 for a callback request that is not a JSON object naming a registered callback."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested thousands deep: not a callback request (json raises no ValueError here)
        body = None
    if not isinstance(body, dict):
        return json_error(400, "bad callback request", "expected a JSON object", param="body")
    output = body.get("output")
    if not isinstance(output, str) or output not in known_outputs:
        return json_error(400, "bad callback request", "no such callback output", param="output")
    for key in ("outputs", "inputs"):
        if not isinstance(body.get(key), (list, dict)):
            return json_error(400, "bad callback request", f"{key} must be a list", param=key)
    for key in ("inputs", "state"):
        items = body.get(key) or []
        if not isinstance(items, list) or not all(isinstance(i, (dict, list)) for i in items):
            return json_error(400, "bad callback request", f"{key} must be a list of objects", param=key)
        for item in items:
            for entry in item if isinstance(item, list) else [item]:
                if not isinstance(entry, dict) or "id" not in entry or not isinstance(entry.get("property"), str):
                    return json_error(400, "bad callback request", f"each of {key} needs an id and a property",
                                      param=key)
    for key in ("inputs", "state"):
        for item in body.get(key) or []:
            for entry in item if isinstance(item, list) else [item]:
                problem = _value_problem(entry["property"], entry.get("value"))
                if problem:
                    return json_error(400, "bad callback request", f"{entry['property']}: {problem}", param=key)
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return json_error(400, "bad callback request", "changedPropIds must be a list of strings",
                          param="changedPropIds")
    return None


def install(app: Any, *, allow_embed: bool | str | None = None, embed_paths: Iterable[str] = ()) -> Policy:
    """Add headers, limits and JSON error handlers to the Dash `app` (and its Flask server)."""
    server: Flask = app.server
    policy = Policy(app, allow_embed, embed_paths)
    server.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    server.config["PROPAGATE_EXCEPTIONS"] = False
    server.extensions["humdash_security"] = policy
    callback_path = app.config.routes_pathname_prefix + "_dash-update-component"

    def limits() -> Response | None:
        if len(request.query_string) > MAX_QUERY_BYTES:
            return json_error(414, "URI too long", f"the query string is longer than {MAX_QUERY_BYTES} bytes",
                              param="query")
        if len(request.path.encode("utf-8", "surrogateescape")) > MAX_PATH_BYTES:
            return json_error(414, "URI too long", f"the path is longer than {MAX_PATH_BYTES} bytes", param="path")
        if (request.path == "/api" or request.path.startswith("/api/")) and (
                request.url_rule is not None and not request.url_rule.rule.startswith("/api/")):
            # e.g. /api//etc/passwd.csv would otherwise reach Dash's catch-all page route
            return json_error(404, "not found", "no such API route; see /api/openapi.json")
        if request.method == "POST" and request.path == callback_path:
            return _check_callback_body(app.callback_map)
        return None

    # First in line, before Dash's own before_request hooks (which set up pages on first request).
    server.before_request_funcs.setdefault(None, []).insert(0, limits)
    server.after_request(policy.apply)

    @server.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return json_error(exc.code or 500, exc.name, exc.description or "")

    try:
        from dash.exceptions import DependencyException
    except ImportError:  # pragma: no cover - older Dash
        DependencyException = None  # noqa: N806

    if DependencyException is not None:
        @server.errorhandler(DependencyException)
        def unknown_dependency(exc: Exception) -> Response:
            return json_error(404, "not found", "no such script or resource")

    @server.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        # Never a traceback on the wire; the log has it.
        if request.path == callback_path and isinstance(exc, _BAD_VALUE_ERRORS):
            # A callback that cannot use an input value it was sent (a date that is no date, a list for a
            # single choice...): the browser never sends those, so the request is at fault.
            log.warning("callback request with a value it cannot use: %r", exc, exc_info=True)
            return json_error(400, "bad callback request", "an input value has the wrong type or form",
                              param="inputs")
        log.exception("unexpected error on %s %s", request.method, request.path)
        return json_error(500, "internal error", "the server could not answer this request; it has been logged")

    return policy
