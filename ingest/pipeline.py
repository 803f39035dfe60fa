"""The steps every FTS ingest runs after reading, once: published figures into a table of their own,
then donors derived from the flows. The CLI (live pulls, files, the snapshot) calls these."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .report import Report

CURATED_DIR = Path(__file__).resolve().parents[1] / "data" / "curated"


def finish_fts(tables: dict[str, pd.DataFrame], report: Report, curated_dir: Path = CURATED_DIR
               ) -> dict[str, pd.DataFrame]:
    """Add `published_plan_figures` (curated figures published outside FTS, kept apart from FTS data)
    whenever FTS plans were read, and `fts_donors` from `fts_flows` when the input gave flows."""
    from .sources import fts
    curated = curated_dir / "plan_figures.csv"
    out = dict(tables)
    if "fts_plans" in out and curated.exists():
        out["published_plan_figures"] = fts.read_published(curated, report)
    if "fts_flows" in out and "fts_donors" not in out:
        out["fts_donors"] = fts.donors(out["fts_flows"])
    return out
