"""HTTP caching, so a browser, a CDN or the nginx in front can answer repeat traffic, and the app computes each
answer once per data version:

* /api answers carry `ETag` and `Cache-Control: public, max-age=N` (N = $HUMDASH_CACHE_MAX_AGE, default 300;
  0 means `no-cache`: always revalidate). A matching `If-None-Match` gets 304. For data answers the ETag is
  the code version + data version + path + query + language, so the 304 comes before any query runs; other
  /api answers get a hash of their body. Answers whose language came from the Referer are `private`.
* Whole-table exports (`/api/<table>.csv|.json`, the /data page's download buttons) are kept per ETag in the
  shared cache (sharedcache.py) with their gzip and brotli encodings, and streamed from there; other /api
  data answers are compressed when asked (Flask-Compress leaves text/csv alone). The bytes, once decoded,
  are exactly those the app sends today.
* Chart callbacks (Dash callbacks that draw a `…-graph.figure`) are kept per data version, language and
  request body in the same cache, so a figure is serialised once, not once per visitor and worker.
* Fingerprinted static files (Dash's component suites, our plotly bundle, /assets/…?m=<mtime>) get
  `public, max-age=31536000, immutable`.
* A data request or a chart callback whose client has gone (the socket is closed, e.g. nginx dropped it
  with proxy_ignore_client_abort off) is not computed: it gets an empty 499.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import logging
import socket
import struct
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator

from flask import Flask, Response, current_app, g, request

from dashboard import i18n
from dashboard.settings import settings
from dashboard.web import sharedcache

try:
    import brotli
except ImportError:  # pragma: no cover - brotli is installed with flask-compress
    brotli = None

log = logging.getLogger(__name__)

DEFAULT_MAX_AGE = 300
IMMUTABLE = "public, max-age=31536000, immutable"
CHUNK = 256 * 1024
MIN_COMPRESS = 500
CALLBACK_OUTPUT = "-graph.figure"  # callbacks that draw a chart are pure: inputs + data + language
ENCODINGS = ("br", "gzip") if brotli is not None else ("gzip",)
_ROOT = Path(__file__).resolve().parents[2]


def max_age() -> int:
    """Seconds a shared cache may keep an /api answer ($HUMDASH_CACHE_MAX_AGE, default 300)."""
    text = settings().cache_max_age
    try:
        return max(int(text), 0) if text else DEFAULT_MAX_AGE
    except ValueError:
        return DEFAULT_MAX_AGE


@lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of this program (dashboard/ and ingest/ sources and the Dash version): a new release never
    answers with an old release's ETag or cache entry."""
    import dash

    digest = hashlib.sha256(dash.__version__.encode())
    for folder in ("dashboard", "ingest"):
        for path in sorted((_ROOT / folder).rglob("*.py")):
            digest.update(path.relative_to(_ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def data_version(ds: Any) -> str | None:
    """A hash of every table's sha256 in this load (None when a table has no checksum, e.g. built in memory:
    then answers are only told apart by their bytes)."""
    def compute() -> str | None:
        parts = []
        for name in sorted(ds.provenance):
            entry = ds.provenance[name]
            if entry.get("origin") == "missing":
                parts.append(f"{name}:missing")
            elif entry.get("sha256"):
                parts.append(f"{name}:{entry['sha256']}")
            else:
                return None
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]
    return ds.memo(("httpcache.data_version",), compute)


def _hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()[:32]


def request_key(version: str) -> str:
    """The ETag of a data answer: code + data version + path + query + language."""
    query = sorted((k, v) for k in request.args for v in request.args.getlist(k))
    return _hash(code_version(), version, request.path, json.dumps(query), i18n.current())


def _bare(tag: str) -> str:
    tag = tag.strip()
    tag = tag[2:] if tag.startswith("W/") else tag
    tag = tag.strip('"')
    for suffix in ("-gzip", "-br", ":gzip", ":br", ":zstd", ":deflate"):  # ours, Flask-Compress's
        if tag.endswith(suffix):
            return tag[: -len(suffix)]
    return tag


def matches(tag: str) -> bool:
    """True when the request's If-None-Match names `tag` (in any content coding, weak or strong)."""
    header = request.headers.get("If-None-Match", "")
    if not header:
        return False
    return any(t.strip() == "*" or _bare(t) == tag for t in header.split(","))


def cache_control() -> str:
    """public (private when the language came from the Referer: a shared cache would not see it)."""
    seconds = max_age()
    scope = "private" if i18n.is_explicit() and "lang" not in request.args else "public"
    return f"{scope}, max-age={seconds}" if seconds else f"{scope}, no-cache"


def _vary() -> str:
    return "Accept-Encoding" if "lang" in request.args else "Accept-Encoding, Accept-Language"


def not_modified(tag: str, encoded: bool = False) -> Response:
    encoding = choose_encoding() if encoded else None
    response = Response(status=304)
    response.headers.update({"ETag": f'"{tag}-{encoding}"' if encoding else f'"{tag}"',
                             "Cache-Control": cache_control(), "Vary": _vary()})
    return response


def choose_encoding(available: tuple[str, ...] = ENCODINGS) -> str | None:
    """The best of `available` the client accepts (brotli first), else None."""
    accepted = request.accept_encodings
    best = [(accepted[e], -i, e) for i, e in enumerate(available) if accepted[e] > 0]
    return max(best)[2] if best else None


def encode(body: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(body, quality=5)
    return gzip.compress(body, compresslevel=6, mtime=0)


# ------------------------------------------------------------------------------ stored answers

def pack(response: Response, encodings: tuple[str, ...] = ENCODINGS) -> bytes | None:
    """A 200 answer as bytes to keep: its headers and its body in each encoding (None: not kept). A body
    worth compressing is kept compressed only (gzip and brotli take a fifth of the plain body, which a
    client that takes neither gets by decompressing the gzip copy); a short one is kept as it is."""
    if response.status_code != 200 or response.is_streamed:
        return None
    body = response.get_data()
    bodies = {e: encode(body, e) for e in encodings} if len(body) >= MIN_COMPRESS else {"identity": body}
    head = json.dumps({"mimetype": response.mimetype,
                       "headers": [[k, v] for k, v in response.headers.items()
                                   if k in ("Content-Disposition", "X-Rows")],
                       "parts": [[name, len(part)] for name, part in bodies.items()]}).encode()
    return struct.pack(">I", len(head)) + head + b"".join(bodies.values())


def unpack(blob: bytes) -> tuple[dict[str, Any], dict[str, memoryview]]:
    (size,) = struct.unpack(">I", blob[:4])
    head = json.loads(blob[4:4 + size])
    view, at, bodies = memoryview(blob), 4 + size, {}
    for name, length in head["parts"]:
        bodies[name] = view[at:at + length]
        at += length
    return head, bodies


def _chunks(body: memoryview | bytes) -> Iterator[bytes]:
    for at in range(0, len(body), CHUNK):
        yield bytes(body[at:at + CHUNK])


def respond(head: dict[str, Any], bodies: dict[str, Any], tag: str | None) -> Response:
    """Stream the stored answer in the best encoding the client takes."""
    encoding = choose_encoding(tuple(e for e in ENCODINGS if e in bodies))
    body = bodies[encoding] if encoding else bodies.get("identity")
    if body is None:  # kept compressed only, for a client that takes no compression
        body = gzip.decompress(bodies["gzip"])
    response = Response(_chunks(body), mimetype=head["mimetype"], direct_passthrough=True)
    response.headers.update(dict(head["headers"]))
    response.headers["Content-Length"] = str(len(body))
    response.headers["Vary"] = _vary()
    if encoding:
        response.headers["Content-Encoding"] = encoding
    if tag:
        response.headers["ETag"] = f'"{tag}-{encoding}"' if encoding else f'"{tag}"'
        response.headers["Cache-Control"] = cache_control()
    return response


def cache() -> sharedcache.SharedCache:
    return current_app.extensions["humdash_cache"]


def answer(ds: Any, make: Callable[[], Response], *, keep: bool) -> Response:
    """A data answer with ETag/304; `keep`: stored per ETag in the shared cache (whole-table exports)."""
    version = data_version(ds)
    tag = request_key(version) if version else None
    if tag and matches(tag):
        return not_modified(tag, encoded=True)
    if client_gone():
        return gone()
    if tag and keep:
        blob = cache().get_or_make("export:" + tag, lambda: pack(make()))
        if blob is not None:
            return respond(*unpack(blob), tag)
    response = make()
    encoding = choose_encoding()
    if encoding is None or response.status_code != 200 or len(response.get_data()) < MIN_COMPRESS:
        return public(response, tag)
    head = {"mimetype": response.mimetype,
            "headers": [[k, v] for k, v in response.headers.items() if k in ("Content-Disposition", "X-Rows")]}
    return respond(head, {encoding: encode(response.get_data(), encoding)}, tag)


def public(response: Response, tag: str | None) -> Response:
    if response.status_code == 200:
        response.headers["Cache-Control"] = cache_control()
        response.headers["Vary"] = _vary()
        if tag:
            response.headers["ETag"] = f'"{tag}"'
    return response


# ------------------------------------------------------------------------------ a client that has gone

def client_gone() -> bool:
    """True when the client's socket is closed (peeking never consumes request bytes)."""
    sock = request.environ.get("gunicorn.socket") or request.environ.get("werkzeug.socket")
    if not isinstance(sock, socket.socket):
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except (BlockingIOError, InterruptedError):
        return False
    except (OSError, ValueError):  # reset by peer: gone; ValueError: a TLS socket (cannot peek)
        return False


def gone() -> Response:
    """Nobody reads this (nginx logs its own 499); it only ends the request cheaply."""
    return Response(b"", status=499)


# ------------------------------------------------------------------------------ install

def _is_api(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def install(app: Any) -> None:
    """Cache headers for /api and static files, and the chart-callback cache, on the Dash `app`."""
    server: Flask = app.server
    server.extensions["humdash_cache"] = sharedcache.from_env()
    callback_path = app.config.routes_pathname_prefix + "_dash-update-component"

    def callback_lookup() -> Response | None:
        if request.method != "POST" or request.path != callback_path:
            return None
        body = request.get_data(cache=True)
        if CALLBACK_OUTPUT.encode() not in body:
            return None
        ds = current_app.extensions["humdash"].current()
        version = data_version(ds)
        if not version:
            return None
        if client_gone():
            return gone()
        g.humdash_callback_key = key = "callback:" + _hash(code_version(), version, i18n.current(),
                                                           hashlib.sha256(body).hexdigest())
        blob = cache().get(key)
        return respond(*unpack(blob), None) if blob is not None else None

    server.before_request(callback_lookup)

    @server.after_request
    def headers(response: Response) -> Response:
        path = request.path
        key = g.pop("humdash_callback_key", None)
        if key and not response.direct_passthrough and response.status_code == 200:
            output = (request.get_json(silent=True) or {}).get("output", "")
            if isinstance(output, str) and CALLBACK_OUTPUT in output:
                blob = pack(response)
                if blob is not None:
                    cache().set(key, blob)
        elif _is_api(path) and request.method in ("GET", "HEAD"):
            if response.status_code == 200 and "ETag" not in response.headers and not response.is_streamed:
                public(response, _hash(code_version(), hashlib.sha256(response.get_data()).hexdigest(),
                                       i18n.current()))
                if matches(response.headers["ETag"].strip('"')):
                    return not_modified(response.headers["ETag"].strip('"'))
            elif response.status_code >= 400:
                response.headers["Cache-Control"] = "no-store"
        elif response.status_code == 200 and path.startswith(app.config.requests_pathname_prefix
                                                              + "_dash-component-suites/"):
            if "max-age=31536000" in response.headers.get("Cache-Control", ""):
                response.headers["Cache-Control"] = IMMUTABLE  # fingerprinted by Dash
            elif "Cache-Control" not in response.headers:  # dcc's chunks (async-graph.js, ...): one address
                response.headers["Cache-Control"] = "no-cache"  # for every version, so revalidated (ETag)
        elif response.status_code in (200, 304) and path.startswith("/assets/") and request.args.get("m"):
            etag = (response.headers.get("ETag") or "").strip('"')
            if etag.startswith(request.args["m"] + "-"):  # ?m= is the file's mtime: Dash's fingerprint
                response.headers["Cache-Control"] = IMMUTABLE
        return response
