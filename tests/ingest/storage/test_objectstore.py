"""The data store by URL (ingest/objectstore.py): ingest into S3 (moto's S3 server on 127.0.0.1, with
its IAM checks on), two dashboard processes following the same bucket, a new ingest picked up by both
without a restart, a killed ingest, refused credentials and a missing bucket, and (when nginx is
installed) nginx balancing the two. Skips on a machine without moto or nginx; fails under CI=true."""
from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from bench import servers
from conftest import REPO, free_port, need, start_server, unavailable

FTS = REPO / "tests" / "fixtures" / "fts"
MMP = REPO / "tests" / "fixtures" / "mmp"
BUCKET = "humdash-test"
PREFIX = f"s3://{BUCKET}/dash"
FOLLOW_SECONDS = 10.0


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """moto's S3 server with IAM checks (its first 3 requests unauthenticated: a user, its policy, its
    key); yields the environment (standard AWS variables) that reaches it with that key."""
    try:
        import boto3
        import moto.server  # noqa: F401
        import s3fs  # noqa: F401
    except ImportError:
        unavailable("moto[server] and s3fs (pip install -e '.[test]')")
    folder = tmp_path_factory.mktemp("moto")
    proc, endpoint = servers.moto(folder / "moto.log", env={"INITIAL_NO_AUTH_ACTION_COUNT": "3"})
    try:
        iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="setup",
                           aws_secret_access_key="setup")
        iam.create_user(UserName="humdash")
        iam.put_user_policy(UserName="humdash", PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="humdash")["AccessKey"]
        env = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
               "AWS_ENDPOINT_URL": endpoint, "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
               "AWS_CONFIG_FILE": str(folder / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(folder / "none"),
               "AWS_EC2_METADATA_DISABLED": "true"}
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                     aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"]).create_bucket(Bucket=BUCKET)
        with pytest.MonkeyPatch.context() as mp:
            for name, value in env.items():
                mp.setenv(name, value)
            mp.delenv("AWS_PROFILE", raising=False)
            import s3fs

            s3fs.S3FileSystem.clear_instance_cache()
            yield env
            s3fs.S3FileSystem.clear_instance_cache()
    finally:
        servers.stop(proc)


def _client(env: dict):
    import boto3

    return boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])


def _keys(env: dict, bucket: str = BUCKET) -> list[str]:
    pages = _client(env).get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


def _current(env: dict) -> str:
    return _client(env).get_object(Bucket=BUCKET, Key="dash/CURRENT")["Body"].read().decode().strip()


def _table(env: dict, version: str, name: str) -> pd.DataFrame:
    body = _client(env).get_object(Bucket=BUCKET, Key=f"dash/versions/{version}/tables/{name}.parquet")["Body"].read()
    return pd.read_parquet(io.BytesIO(body))


def _ingest(env: dict, *args: str, extra: dict | None = None) -> subprocess.CompletedProcess:
    """python -m ingest ... --data-dir s3://... in its own process, as an operator runs it."""
    return subprocess.run([sys.executable, "-m", "ingest", *args, "--data-dir", PREFIX, "--quiet"], cwd=REPO,
                          env={**os.environ, **env, **(extra or {}), "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=300)


def _get(url: str, timeout: float = 30) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def _status(base: str) -> dict:
    return json.loads(_get(base + "/api/status")[1])


@pytest.fixture(scope="module")
def cluster(s3, tmp_path_factory):
    """A first ingest into the bucket, then two dashboard processes (two ports) on the same URL."""
    done = _ingest(s3, "fts", "--file", str(FTS / "fts_requirements_funding_ven.csv"))
    assert done.returncode == 0, done.stderr
    snapshot = tmp_path_factory.mktemp("no-snapshot")  # only what is in the bucket is served
    env = {**s3, "HUMDASH_SNAPSHOT_DIR": str(snapshot), "PYTHONPATH": str(REPO)}
    started = [start_server(["dashboard", "--data-dir", PREFIX], env=env) for _ in range(2)]
    try:
        yield [base for _proc, base in started], [proc for proc, _base in started]
    finally:
        for proc, _base in started:
            servers.stop(proc)


def _wait_version(bases: list[str], table: str, version: str, seconds: float) -> dict[str, float]:
    """Seconds until each server's /api/status says `table` comes from `version` (fails after `seconds`)."""
    start, seen = time.monotonic(), {}
    while len(seen) < len(bases) and time.monotonic() - start < seconds:
        for base in bases:
            if base not in seen and _status(base)["versions"][table] == version:
                seen[base] = time.monotonic() - start
        time.sleep(0.25)
    missing = [b for b in bases if b not in seen]
    assert not missing, f"{missing} still serve {[_status(b)['versions'][table] for b in missing]} after {seconds} s"
    return seen


def test_two_servers_serve_the_bucket_and_follow_a_new_ingest(s3, cluster):
    bases, _procs = cluster
    first = _current(s3)
    plans = _table(s3, first, "fts_plans")
    for base in bases:
        status = _status(base)
        assert status["versions"]["fts_plans"] == first and status["origins"]["fts_plans"] == "ingested"
    served = [json.loads(_get(base + "/api/fts_plans.json")[1])["data"] for base in bases]
    assert served[0] == served[1]
    assert sorted(str(r["plan_id"]) for r in served[0]) == sorted(str(p) for p in plans["plan_id"])

    done = _ingest(s3, "mmp", "--file", str(MMP / "site_export_2022.csv"))
    assert done.returncode == 0, done.stderr
    second = _current(s3)
    assert second != first
    took = _wait_version(bases, "mmp_deaths", second, FOLLOW_SECONDS)
    print(f"new version served by both servers after {max(took.values()):.1f} s")
    deaths = _table(s3, second, "mmp_deaths")
    for base in bases:
        status = _status(base)
        # one load, one version: every ingested table of the response comes from the same version
        assert {status["versions"][n] for n, o in status["origins"].items() if o == "ingested"} == {second}
        rows = json.loads(_get(base + "/api/mmp_deaths.json")[1])["data"]
        assert sum(r["dead_and_missing"] for r in rows) == int(deaths["dead_and_missing"].sum()) > 0


def test_credentials_are_never_shown(s3, cluster):
    bases, procs = cluster
    secret, key_id = s3["AWS_SECRET_ACCESS_KEY"], s3["AWS_ACCESS_KEY_ID"]
    for base in bases:
        for path in ("/data", "/about", "/api/status", "/api/tables", "/_dash-layout"):
            status, body, _headers = _get(base + path)
            assert status == 200, path
            assert secret.encode() not in body and key_id.encode() not in body, path
    for proc in procs:
        log = Path(proc.log_path).read_text(errors="replace")
        assert "s3://" in log and secret not in log and key_id not in log
    done = _ingest(s3, "status")
    assert PREFIX in done.stdout and secret not in done.stdout + done.stderr


def test_killed_ingest_leaves_the_last_good_version_served(s3, cluster):
    bases, _procs = cluster
    before = _current(s3)
    proc = subprocess.Popen([sys.executable, "-m", "ingest", "mmp", "--file", str(MMP / "site_export_2026.csv"),
                             "--data-dir", PREFIX, "--quiet", "--replace"], cwd=REPO,
                            env={**os.environ, **s3, "PYTHONPATH": str(REPO), "HUMDASH_TEST_UPLOAD_PAUSE": "120"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline, partial = time.monotonic() + 120, None
        while partial is None and time.monotonic() < deadline:
            assert proc.poll() is None, "the ingest ended before it was killed"
            names = {k.split("/")[2] for k in _keys(s3) if k.startswith("dash/versions/") and "/tables/" in k}
            partial = next((n for n in names if n > before), None)
            time.sleep(0.3)
        assert partial is not None, "the ingest never started uploading"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    assert _current(s3) == before
    assert not any(k.startswith(f"dash/versions/{partial}/manifest") for k in _keys(s3))  # half way: no manifest
    time.sleep(6)  # longer than the servers' check interval: they looked and stayed on the good version
    for base in bases:
        assert _status(base)["versions"]["mmp_deaths"] == before
        assert _get(base + "/api/mmp_deaths.json")[0] == 200
    verify = _ingest(s3, "verify")
    assert "never made current" in verify.stdout and partial in verify.stdout

    done = _ingest(s3, "mmp", "--file", str(MMP / "site_export_2026.csv"), "--replace")
    assert done.returncode == 0, done.stderr
    after = _current(s3)
    assert after > partial > before
    assert not any(k.startswith(f"dash/versions/{partial}/") for k in _keys(s3)), "the partial folder was not removed"
    _wait_version(bases, "mmp_deaths", after, FOLLOW_SECONDS)


def test_refused_credentials_fail_in_one_line_and_write_nothing(s3):
    before = _keys(s3)
    for bad in ({"AWS_SECRET_ACCESS_KEY": "wrong-secret"}, {"AWS_ACCESS_KEY_ID": "AKIANOSUCHKEY000000"}):
        done = _ingest(s3, "mmp", "--file", str(MMP / "site_export_2022.csv"), extra=bad)
        assert done.returncode == 1
        lines = done.stderr.strip().splitlines()
        assert lines[0].startswith("ingest mmp: error: ") and PREFIX in lines[0] and "Traceback" not in done.stderr
        assert "access denied" in lines[0]
        assert "wrong-secret" not in done.stderr and s3["AWS_SECRET_ACCESS_KEY"] not in done.stderr
    assert _keys(s3) == before


def test_missing_bucket_fails_in_one_line_and_writes_nothing(s3):
    url = "s3://humdash-no-such-bucket/dash"
    buckets = sorted(b["Name"] for b in _client(s3).list_buckets()["Buckets"])
    before = _keys(s3)
    done = subprocess.run([sys.executable, "-m", "ingest", "mmp", "--file", str(MMP / "site_export_2022.csv"),
                           "--data-dir", url, "--quiet"], cwd=REPO, env={**os.environ, **s3, "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    line = done.stderr.strip().splitlines()[0]
    assert url in line and "does not exist" in line and "Traceback" not in done.stderr
    assert sorted(b["Name"] for b in _client(s3).list_buckets()["Buckets"]) == buckets
    assert _keys(s3) == before
    status = subprocess.run([sys.executable, "-m", "ingest", "status", "--data-dir", url], cwd=REPO,
                            env={**os.environ, **s3, "PYTHONPATH": str(REPO)}, capture_output=True, text=True,
                            timeout=300)
    assert status.returncode == 1 and url in status.stderr and "does not exist" in status.stderr


def test_a_server_with_refused_credentials_says_so_without_showing_them(s3, tmp_path):
    secret = "wrong-secret-for-the-page-test"
    env = {**s3, "AWS_SECRET_ACCESS_KEY": secret, "HUMDASH_SNAPSHOT_DIR": str(tmp_path), "PYTHONPATH": str(REPO)}
    proc, base = start_server(["dashboard", "--data-dir", PREFIX], env=env)
    try:
        status = _status(base)
        assert PREFIX in status["data_error"] and "access denied" in status["data_error"]
        for path in ("/api/status", "/data", "/about", "/_dash-layout"):
            body = _get(base + path)[1]
            assert secret.encode() not in body and s3["AWS_ACCESS_KEY_ID"].encode() not in body, path
    finally:
        servers.stop(proc)
    assert secret not in Path(proc.log_path).read_text(errors="replace")


def test_a_second_ingest_that_lost_the_race_changes_nothing(s3, monkeypatch):
    """Two ingests at once: the one that finishes second finds CURRENT changed (conditional PUT) and
    fails, removing its folder, instead of replacing a version its merge did not see."""
    from ingest.errors import IngestError
    from ingest.objectstore import ObjectStore
    from ingest.sources import mmp
    from ingest.report import Report

    store = ObjectStore(PREFIX)
    frame = mmp.read_file(MMP / "site_export_2022.csv", Report())
    tables = {"mmp_incidents": frame, "mmp_deaths": mmp.aggregate(frame)}
    original = store._point

    def racing(name, pointed, etag):  # another ingest commits just before this one's pointer PUT
        ObjectStore(PREFIX).write(tables, {})
        return original(name, pointed, etag)

    monkeypatch.setattr(store, "_point", racing)
    with pytest.raises(IngestError, match="another ingest made version"):
        store.write(tables, {})
    winner = _current(s3)
    assert {k.split("/")[2] for k in _keys(s3) if k.startswith("dash/versions/")} >= {winner}
    assert store.read("mmp_deaths").equals(ObjectStore(PREFIX).read("mmp_deaths"))
    names = sorted({k.split("/")[2] for k in _keys(s3) if k.startswith("dash/versions/")})
    assert names[-1] == winner  # the loser's folder (numbered before the winner's) is gone


def test_keep_prunes_old_versions_never_the_current_one(s3):
    done = _ingest(s3, "mmp", "--file", str(MMP / "site_export_2022.csv"), "--keep", "2")
    assert done.returncode == 0, done.stderr
    names = sorted({k.split("/")[2] for k in _keys(s3) if k.startswith("dash/versions/")})
    assert len(names) == 2 and names[-1] == _current(s3)


# ------------------------------------------------------------------------------------------ nginx


NGINX = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    upstream humdash {{
        server 127.0.0.1:{a} max_fails=1 fail_timeout=30s;
        server 127.0.0.1:{b} max_fails=1 fail_timeout=30s;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://humdash;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


def test_nginx_balances_the_two_servers_and_survives_one_stopping(s3, cluster, tmp_path):
    need("nginx", "nginx")
    bases, procs = cluster
    ports = [int(b.rsplit(":", 1)[1]) for b in bases]
    port = free_port()
    (tmp_path / "nginx.conf").write_text(NGINX.format(tmp=tmp_path, a=ports[0], b=ports[1], port=port))
    proc = servers.run_nginx(tmp_path, tmp_path / "nginx.conf", port)
    try:
        front = f"http://127.0.0.1:{port}"
        upstreams = set()
        for _ in range(8):
            status, body, headers = _get(front + "/api/status")
            assert status == 200
            upstreams.add(headers.get("X-Upstream"))
        assert upstreams == {f"127.0.0.1:{p}" for p in ports}, upstreams  # round robin over both
        servers.stop(procs[0])
        answers = [_get(front + path)[0] for _ in range(10) for path in ("/api/status", "/api/fts_plans.csv", "/")]
        assert answers == [200] * len(answers)
    finally:
        servers.stop(proc)


# ------------------------------------------------------------------------------------------ without a server


def test_urls_pick_the_object_store_and_are_shown_without_credentials(tmp_path):
    from ingest.objectstore import ObjectStore, location, redact
    from ingest.store import Store

    assert location("s3://bucket/prefix") == "s3://bucket/prefix" and location("data") == Path("data")
    assert isinstance(Store.for_url(tmp_path), Store) and isinstance(Store.for_url(str(tmp_path)), Store)
    assert isinstance(Store.for_url("memory://humdash-url-test"), ObjectStore)
    assert redact("s3://AKIAEXAMPLE:s3cr3t@bucket/prefix?token=abc#x") == "s3://bucket/prefix"


def test_versions_in_an_fsspec_store_without_conditional_writes():
    """memory:// (any fsspec URL): the same versions, pointer, merge-free writes, --keep and changes."""
    from ingest.changes import pick_versions
    from ingest.objectstore import ObjectStore
    from ingest.report import Report
    from ingest.sources import mmp

    url = f"memory://humdash-{os.getpid()}-{time.monotonic_ns()}/data"
    store = ObjectStore(url)
    frames = []
    for name in ("site_export_2022.csv", "site_export_2026.csv"):
        frame = mmp.read_file(MMP / name, Report())
        frames.append(frame)
        store.write({"mmp_incidents": frame, "mmp_deaths": mmp.aggregate(frame)}, {}, keep=0)
    versions = store.versions()
    assert len(versions) == 2 and store.current_dir() == versions[-1]
    assert store.fs.cat_file(str(store.root / "CURRENT")).decode().strip() == versions[-1].name
    tables, entries = store.load()
    assert len(tables["mmp_incidents"]) == len(frames[-1])
    assert {e["version"] for e in entries.values()} == {versions[-1].name}
    assert pick_versions(store) == (versions[0], versions[1])
    store.write({"mmp_deaths": mmp.aggregate(frames[0])}, {}, keep=1)  # mmp_incidents carried over
    kept = store.versions()
    assert len(kept) == 2 and kept[-1] == store.current_dir() and versions[0] not in kept  # current + previous
    assert len(store.read("mmp_incidents")) == len(frames[-1]) and store.verify_report()[1]


def test_the_app_loads_one_version_from_a_url_and_keeps_incidents_lazily(tmp_path, monkeypatch):
    """dashboard.data on an fsspec URL: the Dataset comes from the version CURRENT names, the incident
    rows are kept as their Parquet bytes (not a frame) and read back equal; a new version changes the token."""
    from dashboard.data import LAZY_TABLES, DataSource
    from ingest.objectstore import ObjectStore
    from ingest.report import Report
    from ingest.sources import mmp

    monkeypatch.setenv("HUMDASH_SNAPSHOT_DIR", str(tmp_path))  # nothing bundled: only the store
    url = f"memory://humdash-app-{os.getpid()}-{time.monotonic_ns()}/data"
    store = ObjectStore(url)
    frame = mmp.read_file(MMP / "site_export_2022.csv", Report())
    store.write({"mmp_incidents": frame, "mmp_deaths": mmp.aggregate(frame)}, {})
    source = DataSource(url, check_every=0)
    ds = source.current()
    assert "mmp_incidents" in LAZY_TABLES and ds.tables.is_lazy("mmp_incidents")
    assert ds.tables["mmp_incidents"].equals(store.read("mmp_incidents"))
    assert ds.provenance["mmp_deaths"]["version"] == store.current_dir().name
    later = mmp.read_file(MMP / "site_export_2026.csv", Report())
    store.write({"mmp_incidents": later, "mmp_deaths": mmp.aggregate(later)}, {})
    ds2 = source.current()
    assert ds2 is not ds and ds2.provenance["mmp_incidents"]["version"] == store.current_dir().name
    assert len(ds2.tables["mmp_incidents"]) == len(later) and len(ds.tables["mmp_incidents"]) == len(frame)


def test_a_live_pull_keeps_its_raw_bytes_in_the_bucket(s3, local_server):
    """`ingest mmp --base-url ...` into s3://: the fetched bytes and their index go to PREFIX/raw/mmp/<stamp>/."""
    base, script = local_server
    body = (MMP / "feed_2019.json").read_bytes()
    script.add("/global-figures/2019/json", (200, body, None))
    done = _ingest(s3, "mmp", "--year", "2019", "--base-url", base)
    assert done.returncode == 0, done.stderr
    index_keys = [k for k in _keys(s3) if k.startswith("dash/raw/mmp/") and k.endswith("/fetched.json")]
    assert len(index_keys) == 1
    index = json.loads(_client(s3).get_object(Bucket=BUCKET, Key=index_keys[0])["Body"].read())
    raw = _client(s3).get_object(Bucket=BUCKET, Key=index_keys[0].replace("fetched.json", index[0]["file"]))
    assert raw["Body"].read() == body and index[0]["sha256"] == hashlib.sha256(body).hexdigest()
    manifest = json.loads(_client(s3).get_object(
        Bucket=BUCKET, Key=f"dash/versions/{_current(s3)}/manifest.json")["Body"].read())
    assert index[0]["sha256"] in {i["sha256"] for i in manifest["tables"]["mmp_incidents"]["inputs"]}


# Every test here but a few starts real server processes (moto, redis-server, nginx, gunicorn, the dashboard):
# the whole module is slow, so the fast lane leaves it out (the full suite runs it). At the end of the file so
# that the server code above can change without touching this line.
pytestmark = pytest.mark.slow
