"""Benchmark of the data store by URL: opening the current version (read the pointer, the manifest and
every table, each checked against the manifest) from an S3 server against the same version in a
local folder. The S3 server is moto's (`python -m moto.server`, started here on 127.0.0.1 and stopped
by PID), so the ratio is the cost of S3 requests over a loopback connection, not of a network."""
from __future__ import annotations

import os

from bench import servers
from bench.harness import Context, Result, compare, ratio_at_most, register, timing_result

BUCKET = "humdash-bench"
LIMIT = 4.0
"""Target: opening from the S3 server at most this many times as slow as from the local folder."""


@register("objectstore_open_version")
def bench_open_version(ctx: Context) -> list[Result]:
    import s3fs

    from ingest.objectstore import ObjectStore
    from ingest.store import Store

    local = Store(ctx.data_dir(1))  # the real incidents, written as `python -m ingest mmp` does
    tables, manifest = local.read_all()
    rows = sum(len(frame) for frame in tables.values())
    size = sum(entry["bytes"] for entry in manifest["tables"].values())
    proc, endpoint = servers.moto(ctx.tmp / "moto-bench.log")
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL",
                                            "AWS_REGION")}
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_ENDPOINT_URL=endpoint,
                      AWS_REGION="us-east-1")
    s3fs.S3FileSystem.clear_instance_cache()
    try:
        remote = ObjectStore(f"s3://{BUCKET}/data")
        remote.fs.mkdir(BUCKET)
        remote.write(tables, {name: entry.get("inputs", []) for name, entry in manifest["tables"].items()})
        del tables
        loaded, _ = remote.load()
        if sorted(loaded) != sorted(manifest["tables"]) or sum(len(f) for f in loaded.values()) != rows:
            raise RuntimeError("the version read from S3 differs from the local one")
        del loaded
        c = compare(lambda: ObjectStore(f"s3://{BUCKET}/data").load(), lambda: Store(local.root).load(),
                    ctx.n(10, 3))
    finally:
        s3fs.S3FileSystem.clear_instance_cache()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        servers.stop(proc)
    return [timing_result(
        "objectstore_open_version", c.ours, c.baseline, [ratio_at_most(LIMIT)], baseline_label="local folder",
        detail=c.cpu_note(),
        note=f"Open the current version ({len(manifest['tables'])} tables, {rows:,} rows, {size / 1e6:.1f} MB of "
             "Parquet): read the pointer, the manifest and every table, each checked against the manifest "
             "(size, sha256, rows) and validated; from moto's S3 server on 127.0.0.1 (ObjectStore.load) vs a "
             "local folder (Store.load).")]
