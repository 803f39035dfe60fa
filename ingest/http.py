"""The only module that touches the network: one session, timeouts, throttle, bounded retries."""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import urljoin

from .errors import IngestError

if TYPE_CHECKING:  # loaded by the first Client: a process that only reads tables (the dashboard) never pays
    import requests  # for the HTTP library (about 5 MB resident)

USER_AGENT = "humdash/0.1 (humanitarian funding and migration dashboard; +https://github.com/humdash/humdash)"
RETRY_STATUS = {429, 500, 502, 503, 504}


@dataclass(frozen=True)
class Fetched:
    """One HTTP response body with its provenance."""

    url: str
    status: int
    content: bytes
    content_type: str
    retrieved_at: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


class Client:
    """A polite HTTP client: one session, a timeout on every request, at most one request per
    `min_interval` seconds, bounded retries with exponential backoff (honouring Retry-After) on
    timeouts, connection errors, 429 and 5xx, a size cap, and a total time budget per call."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 30.0,
        min_interval: float = 1.0,
        retries: int = 4,
        backoff: float = 2.0,
        max_retry_after: float = 120.0,
        max_bytes: int = 200 * 1024 * 1024,
        total_budget: float = 600.0,
        user_agent: str = USER_AGENT,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        auth: tuple[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        self.min_interval = min_interval
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.max_bytes = max_bytes
        self.total_budget = total_budget
        self.sleep, self.clock, self.now = sleep, clock, now
        import requests

        self.session = requests.Session()
        self.session.headers.update({"User-Agent": user_agent, "Accept": "application/json, text/csv, */*"})
        if auth:
            self.session.auth = auth
        self._last_request: float | None = None
        self.fetched: list[Fetched] = []

    def url(self, path_or_url: str) -> str:
        """Absolute URL for a path relative to the base URL (absolute URLs pass through)."""
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return urljoin(self.base_url, path_or_url.lstrip("/"))

    def _throttle(self) -> None:
        if self._last_request is not None:
            wait = self.min_interval - (self.clock() - self._last_request)
            if wait > 0:
                self.sleep(wait)
        self._last_request = self.clock()

    def _retry_after(self, response: requests.Response) -> float | None:
        value = response.headers.get("Retry-After")
        if not value:
            return None
        try:
            seconds = float(value)
        except ValueError:
            try:
                seconds = (parsedate_to_datetime(value) - self.now()).total_seconds()
            except (TypeError, ValueError):
                return None
        return max(0.0, min(seconds, self.max_retry_after))

    def _read(self, response: requests.Response, url: str) -> bytes:
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise IngestError(f"{url}: response is {int(declared):,} bytes, over the {self.max_bytes:,}-byte limit; "
                              "narrow the query (fewer years or plans)")
        chunks, size = [], 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > self.max_bytes:
                raise IngestError(f"{url}: response exceeded the {self.max_bytes:,}-byte limit; "
                                  "narrow the query (fewer years or plans)")
            chunks.append(chunk)
        return b"".join(chunks)

    def get(self, path_or_url: str, params: dict[str, Any] | None = None) -> Fetched:
        """GET with retries; returns the body or raises IngestError naming the URL."""
        import requests

        url = self.url(path_or_url)
        shown = requests.Request("GET", url, params=params).prepare().url or url
        started = self.clock()
        last_problem = "no attempt made"
        retry_after: float | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                delay = self.backoff * (2 ** (attempt - 1))
                if retry_after is not None:
                    delay = retry_after
                if self.clock() - started + delay > self.total_budget:
                    break
                self.sleep(delay)
            retry_after = None
            self._throttle()
            try:
                with self.session.get(url, params=params, timeout=self.timeout, stream=True) as response:
                    if response.status_code in RETRY_STATUS:
                        retry_after = self._retry_after(response)
                        last_problem = f"HTTP {response.status_code}"
                        continue
                    if response.status_code >= 400:
                        raise IngestError(f"{shown}: HTTP {response.status_code} {response.reason}; "
                                          "check the URL, the ids and the --api-base/--base-url setting")
                    content = self._read(response, shown)
                    fetched = Fetched(shown, response.status_code, content,
                                      response.headers.get("Content-Type", ""),
                                      self.now().isoformat(timespec="seconds"))
                    self.fetched.append(fetched)
                    return fetched
            except requests.Timeout:
                last_problem = f"timed out after {self.timeout:g} s"
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                last_problem = f"connection failed ({type(exc).__name__})"
            except requests.RequestException as exc:
                raise IngestError(f"{shown}: request failed ({exc}); check the URL") from None
            if self.clock() - started > self.total_budget:
                break
        raise IngestError(f"{shown}: {last_problem}, gave up after {attempt + 1} attempt(s); "
                          "the service may be down or unreachable: try again later, or ingest saved files with --file")

    def get_json(self, path_or_url: str, params: dict[str, Any] | None = None) -> tuple[Any, Fetched]:
        """GET and decode JSON; an HTML page or truncated body is a clear error."""
        fetched = self.get(path_or_url, params)
        return decode_json(fetched.content, fetched.url), fetched


def decode_json(content: bytes, where: str) -> Any:
    """Decode JSON bytes, or raise IngestError saying what came back instead."""
    text = content.lstrip()
    if not text:
        raise IngestError(f"{where}: empty response where JSON was expected; try again later")
    if text[:1] == b"<":
        raise IngestError(f"{where}: got an HTML page where JSON was expected (an error or login page?); "
                          "check the base URL and try again later")
    try:
        return json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise IngestError(f"{where}: response is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise IngestError(f"{where}: malformed or truncated JSON ({exc.msg} at line {exc.lineno}, "
                          f"column {exc.colno}); try again later") from None
