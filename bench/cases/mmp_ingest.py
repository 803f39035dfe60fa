"""mmp_xlsx_ingest and mmp_csv_ingest: a whole MMP file ingest (read_file, validate, Store.write) against
plain pandas reading the same file."""
from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from bench import synth
from bench.harness import Context, Result, compare, fmt_seconds, ratio_at_most, register, timing_result


def _quiet_excel(path: Path) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas 3.1 warns that its default xlsx engine will change
        return pd.read_excel(path)


def ingest_mmp(path: Path) -> int:
    """What an MMP file ingest does: read_file (parse + tidy + validate), validate, Store.write."""
    from ingest.report import Report
    from ingest.schemas import validate
    from ingest.sources import mmp
    from ingest.store import Store, input_record

    incidents = validate("mmp_incidents", mmp.read_file(path, Report()), path.name)
    with tempfile.TemporaryDirectory(prefix="humdash-bench-store-") as tmp:
        Store(tmp).write({"mmp_incidents": incidents},
                         {"mmp_incidents": [input_record(file=path, sha256="-", retrieved_at="-")]})
    return len(incidents)


@register("mmp_xlsx_ingest")
def bench_mmp_xlsx_ingest(ctx: Context) -> list[Result]:
    path = synth.reference_file(synth.MMP_XLSX)
    c = compare(lambda: ingest_mmp(path), lambda: _quiet_excel(path), ctx.n(7, 2))
    rows = ingest_mmp(path)
    return [timing_result(
        "mmp_xlsx_ingest", c.ours, c.baseline, [ratio_at_most(0.5)], baseline_label="pd.read_excel (openpyxl)",
        detail=c.cpu_note(),
        note=f"{path.name}, {rows:,} incidents. Ours = mmp.read_file + validate + Store.write (temp dir); "
             f"baseline = pandas.read_excel(path) with pandas' default engine (openpyxl). First call of ours in "
             f"this process (country-name matching not cached yet): {fmt_seconds(c.first)}.")]


def largest_mmp_csv() -> tuple[Path, str]:
    """The largest CSV in the reference mmp/ folder and the encoding plain pandas needs for it."""
    folder = synth.reference_dir() / "mmp"
    csvs = sorted(folder.glob("*.csv"), key=lambda p: p.stat().st_size, reverse=True)
    if not csvs:
        raise FileNotFoundError(f"no CSV in {folder}")
    path = csvs[0]
    try:
        path.read_bytes().decode("utf-8")
        return path, "utf-8"
    except UnicodeDecodeError:
        return path, "cp1252"


@register("mmp_csv_ingest")
def bench_mmp_csv_ingest(ctx: Context) -> list[Result]:
    path, encoding = largest_mmp_csv()

    def baseline() -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DtypeWarning on mixed columns
            return pd.read_csv(path, encoding=encoding)

    c = compare(lambda: ingest_mmp(path), baseline, ctx.n(15, 5))
    return [timing_result(
        "mmp_csv_ingest", c.ours, c.baseline, [ratio_at_most(10)], baseline_label=f"pd.read_csv({encoding})",
        detail=c.cpu_note(),
        note=f"{path.name} ({path.stat().st_size / 1e6:.1f} MB, the largest CSV), read_file + validate + "
             f"Store.write vs pandas.read_csv(path, encoding='{encoding}'). First call of ours in this process: "
             f"{fmt_seconds(c.first)}.")]
