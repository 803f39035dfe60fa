"""The HTTP client against a real server on 127.0.0.1: retries, Retry-After, throttle, bad bodies."""
from __future__ import annotations

import json
import time

import pytest

from ingest.errors import IngestError
from ingest.http import Client

OK = (200, b'{"status":"ok","data":[1,2]}', None)


class FakeTime:
    """A clock and sleep that record waits instead of waiting."""

    def __init__(self):
        self.t = 0.0
        self.sleeps: list[float] = []

    def clock(self):
        return self.t

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 3))
        self.t += seconds


def client(base, fake=None, **kw):
    fake = fake or FakeTime()
    return Client(base, sleep=fake.sleep, clock=fake.clock, **{"min_interval": 0, "backoff": 1, **kw})


def test_json_and_provenance(local_server):
    base, script = local_server
    script.add("/v1/x", OK)
    obj, fetched = client(base).get_json("/v1/x", {"a": "1,2"})
    assert obj == {"status": "ok", "data": [1, 2]}
    assert fetched.url == f"{base}/v1/x?a=1%2C2" and fetched.status == 200 and len(fetched.sha256) == 64
    assert script.hits == ["/v1/x?a=1%2C2"]


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_retried_then_succeeds(local_server, status):
    base, script = local_server
    script.add("/x", (status, b"oops", None), (status, b"oops", None), OK)
    fake = FakeTime()
    obj, _ = client(base, fake).get_json("/x")
    assert obj["data"] == [1, 2] and len(script.hits) == 3
    assert fake.sleeps == [1, 2]  # exponential backoff


def test_429_honours_retry_after(local_server):
    base, script = local_server
    script.add("/x", (429, b"slow down", {"Retry-After": "7"}), OK)
    fake = FakeTime()
    client(base, fake).get_json("/x")
    assert fake.sleeps == [7]


def test_retries_are_bounded_and_the_message_names_the_url(local_server):
    base, script = local_server
    script.add("/x", (503, b"down", None))
    with pytest.raises(IngestError, match=r"/x: HTTP 503, gave up after 3 attempt"):
        client(base, retries=2).get("/x")
    assert len(script.hits) == 3


def test_total_time_is_bounded(local_server):
    base, script = local_server
    script.add("/x", (429, b"", {"Retry-After": "100"}))
    fake = FakeTime()
    with pytest.raises(IngestError):
        client(base, fake, retries=10, total_budget=250).get("/x")
    assert sum(fake.sleeps) <= 250


def test_4xx_is_not_retried(local_server):
    base, script = local_server
    script.add("/x", (404, b"nope", None))
    with pytest.raises(IngestError, match="HTTP 404"):
        client(base).get("/x")
    assert len(script.hits) == 1


def test_timeout_is_retried_and_reported(local_server):
    base, script = local_server

    def slow(handler):
        time.sleep(0.5)

    script.add("/x", slow)
    with pytest.raises(IngestError, match="timed out"):
        Client(base, timeout=0.1, retries=1, backoff=0, min_interval=0).get("/x")
    assert len(script.hits) == 2


def test_connection_reset_mid_body(local_server):
    base, script = local_server

    def reset(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        handler.wfile.write(b'{"status":"ok","da')
        handler.wfile.flush()
        handler.connection.shutdown(2)

    script.add("/x", reset, reset, OK)
    obj, _ = client(base).get_json("/x")
    assert obj["status"] == "ok" and len(script.hits) == 3


def test_html_page_with_status_200(local_server):
    base, script = local_server
    script.add("/x", (200, b"<!DOCTYPE html><html>Maintenance</html>", {"Content-Type": "text/html"}))
    with pytest.raises(IngestError, match="HTML page where JSON was expected"):
        client(base).get_json("/x")


def test_truncated_json(local_server):
    base, script = local_server
    script.add("/x", (200, b'{"status":"ok","data":[1,', None))
    with pytest.raises(IngestError, match="malformed or truncated JSON"):
        client(base).get_json("/x")


def test_oversized_response(local_server):
    base, script = local_server
    script.add("/declared", (200, b"x" * 5000, None))

    def undeclared(handler):  # no Content-Length: the cap must hold while streaming
        handler.send_response(200)
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(b"x" * 5000)
        handler.close_connection = True

    script.add("/undeclared", undeclared)
    with pytest.raises(IngestError, match="over the 1,000-byte limit"):
        client(base, max_bytes=1000).get("/declared")
    with pytest.raises(IngestError, match="exceeded the 1,000-byte limit"):
        client(base, max_bytes=1000, retries=0).get("/undeclared")


def test_throttle_spaces_requests(local_server):
    base, script = local_server
    script.add("/x", OK)
    fake = FakeTime()
    c = client(base, fake, min_interval=1.0)
    for _ in range(3):
        c.get("/x")
    assert fake.sleeps == [1.0, 1.0]


def test_user_agent_is_sent(local_server):
    base, script = local_server
    agents = []

    def echo(handler):
        agents.append(handler.headers.get("User-Agent"))
        body = json.dumps({"status": "ok"}).encode()
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    script.add("/x", echo)
    client(base).get("/x")
    assert agents[0].startswith("humdash/")
