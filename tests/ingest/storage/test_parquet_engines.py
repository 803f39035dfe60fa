"""The server reads the tables without Arrow (fastparquet) to the same frames the ingest's pyarrow reads.

Each check that needs a process without Arrow runs one: pandas decides at import whether pyarrow is there.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ingest.storage import parquet
from ingest.storage.integrity import table_problem

ROOT = Path(__file__).resolve().parents[3]
TABLES = ROOT / "data" / "snapshot" / "tables"

# In a process whose pyarrow was kept out: each table's engine, rows, columns, dtypes and values as JSON
# text, and what the footer check makes of the whole file, of a truncated copy (path and file object).
ARROWLESS = r'''
import io, json, sys
from pathlib import Path
from dashboard.serving import keep_arrow_out
kept_out = keep_arrow_out()
from ingest.storage import parquet
from ingest.storage.integrity import table_problem
out = {"kept_out": kept_out, "engine": parquet.engine(), "tables": {}}
for path in sorted(Path(sys.argv[1]).glob("*.parquet")):
    frame = parquet.read(path)
    data = path.read_bytes()
    cut = io.BytesIO(data[: len(data) // 2])
    out["tables"][path.stem] = {
        "dtypes": [str(t) for t in frame.dtypes],
        "values": frame.to_json(orient="split", date_format="iso", date_unit="ns"),
        "footer": list(parquet.footer(io.BytesIO(data))),
        "truncated": table_problem({}, len(data) // 2, lambda: "", cut),
    }
print(json.dumps(out))
'''


def arrowless(*args: str, env: dict[str, str] | None = None) -> dict:
    """Run ARROWLESS (or `args`) in a fresh interpreter from the repository root; its JSON answer."""
    run_env = {k: v for k, v in os.environ.items() if k != "HUMDASH_ARROW"}
    run_env.update({"PYTHONPATH": str(ROOT), **(env or {})})
    done = subprocess.run([sys.executable, "-c", *(args or (ARROWLESS, str(TABLES)))], cwd=ROOT, env=run_env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def without_arrow() -> dict:
    return arrowless()


def test_a_process_without_arrow_reads_with_fastparquet(without_arrow):
    assert parquet.engine() == "pyarrow"  # this test process: pandas imported pyarrow
    assert without_arrow["kept_out"] is True
    assert without_arrow["engine"] == "fastparquet"
    assert sorted(without_arrow["tables"]) == sorted(p.stem for p in TABLES.glob("*.parquet"))


@pytest.mark.parametrize("table", sorted(p.stem for p in TABLES.glob("*.parquet")))
def test_both_engines_read_the_same_frame(table, without_arrow):
    frame = parquet.read(TABLES / f"{table}.parquet")
    theirs = without_arrow["tables"][table]
    assert theirs["dtypes"] == [str(t) for t in frame.dtypes]
    assert theirs["values"] == frame.to_json(orient="split", date_format="iso", date_unit="ns")
    assert theirs["footer"] == [len(frame), list(frame.columns)]
    assert list(parquet.footer(TABLES / f"{table}.parquet")) == theirs["footer"]


def test_a_truncated_file_is_damaged_for_both_engines(without_arrow, tmp_path):
    path = TABLES / "fts_plans.parquet"
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert table_problem({}, cut.stat().st_size, lambda: "", cut) == "not a readable Parquet file"
    assert {t["truncated"] for t in without_arrow["tables"].values()} == {"not a readable Parquet file"}


def test_text_columns_come_back_as_str_not_object(without_arrow):
    plans = without_arrow["tables"]["fts_plans"]
    assert "object" not in plans["dtypes"] and "str" in plans["dtypes"]


SERVER_MODULES = r'''
import json, sys
import dashboard.wsgi
print(json.dumps({"pyarrow": sys.modules.get("pyarrow") is not None,
                  "hypothesis": sys.modules.get("hypothesis") is not None,
                  "rows": dashboard.wsgi.app.server.extensions["humdash"].current().rows("mmp_deaths")}))
'''


@pytest.mark.slow
def test_the_server_entry_point_keeps_arrow_out_unless_asked():
    """pyarrow out unless HUMDASH_ARROW=1; hypothesis (installed with the test extras, loaded by pandera
    when installed) always out of a server process."""
    import hypothesis  # noqa: F401 (installed here, so keeping it out is what is checked)

    rows = len(pd.read_parquet(TABLES / "mmp_deaths.parquet"))
    env = {"HUMDASH_DATA_DIR": str(ROOT / "data")}
    assert arrowless(SERVER_MODULES, env=env) == {"pyarrow": False, "hypothesis": False, "rows": rows}
    assert arrowless(SERVER_MODULES, env={**env, "HUMDASH_ARROW": "1"}) == {"pyarrow": True, "hypothesis": False,
                                                                            "rows": rows}


def digests(*args: str) -> dict[str, str]:
    """tools/answers_digest.py's digests, run as its own process (it fixes the hash seed the layouts need)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUMDASH_")}
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "answers_digest.py"), *args], cwd=ROOT,
                          env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.mark.slow
def test_every_answer_is_the_same_without_arrow():
    """Every API answer, CSV download and page layout (tools/answers_digest.py) of a process without Arrow
    equals that of a process with it."""
    with_arrow, without = digests(), digests("--without-arrow")
    assert len(without) == len(with_arrow) > 300
    assert {k for k in with_arrow if without.get(k) != with_arrow[k]} == set()
