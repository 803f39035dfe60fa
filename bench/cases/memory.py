"""memory: the resident memory of a fresh process importing dashboard.wsgi (what gunicorn loads), measured
in subprocesses (bench/probe_memory.py), against one with the same libraries and an empty Dash app."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.harness import TOP_SCALE, Context, Result, bytes_at_most, fmt_bytes, fmt_seconds, register
from bench.servers import REPO, clean_env


def probe_memory(mode: str, data_dir: Path | None, cwd: Path) -> dict[str, Any]:
    """Run bench/probe_memory.py in a fresh interpreter; returns its JSON answer."""
    cmd = [sys.executable, "-m", "bench.probe_memory", "--mode", mode]
    if data_dir is not None:
        cmd += ["--data-dir", str(data_dir)]
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=1800,
                          env={**clean_env(), "PYTHONPATH": str(REPO)})
    if done.returncode != 0:
        raise RuntimeError(f"memory probe failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


@register("memory")
def bench_memory(ctx: Context) -> list[Result]:
    bare = probe_memory("bare", None, ctx.tmp)
    cases = [("memory app snapshot", ctx.empty_dir(), 250e6, "bundled snapshot only (empty data dir)"),
             ("memory app x100 ingested", ctx.data_dir(TOP_SCALE), 600e6,
              f"{ctx.rows(TOP_SCALE):,} incidents (x100) ingested into a temp data dir")]
    results = []
    for name, path, limit, what in cases:
        got = probe_memory("app", path, ctx.tmp)
        results.append(Result(
            name, ours=got["rss"], baseline=bare["rss"], ours_text=f"RSS {fmt_bytes(got['rss'])}",
            baseline_text=f"bare Dash app {fmt_bytes(bare['rss'])}", targets=(bytes_at_most(limit, "RSS "),),
            note=f"{what}: fresh process importing dashboard.wsgi (create_app) with HUMDASH_DATA_DIR set; RSS "
                 f"after gc via {got['how']}; peak during load (VmHWM) {fmt_bytes(got.get('peak'))}; load took "
                 f"{fmt_seconds(got.get('seconds'))}. Baseline: a process with the same libraries and an empty "
                 "Dash app (ratio is for context only)."))
    return results
