"""Benchmarks of FTS worldwide: reading HDX's worldwide exports (every country's plans and every plan's
clusters) against pandas.read_csv of the same files, and the /funding chart callbacks with every plan
loaded against the same callbacks on Venezuela's plans only (run in this process, interleaved)."""
from __future__ import annotations

from typing import Any

from bench import synth
from bench.harness import Context, Result, compare, ratio_at_most, register, timing_result

GLOBAL = synth.reference_dir() / "fts" / "global"
FILES = ("hdx_download_fts_requirements_funding_global_2026-02.csv",
         "hdx_download_fts_requirements_funding_cluster_global_2026.csv")


@register("fts_global_ingest")
def bench_fts_global_ingest(ctx: Context) -> list[Result]:
    import pandas as pd

    from ingest.report import Report
    from ingest.sources import fts

    paths = [GLOBAL / name for name in FILES]
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise RuntimeError(f"reference files not found: {', '.join(map(str, missing))}")
    tables = fts.read_files(paths, Report())
    if len(tables["fts_plans"]) < 800 or len(tables["fts_clusters"]) < 8000:
        raise RuntimeError("the worldwide files gave fewer plans or clusters than they hold")
    c = compare(lambda: fts.read_files(paths, Report()), lambda: [pd.read_csv(p) for p in paths], ctx.n(10, 3))
    size = sum(p.stat().st_size for p in paths) / 1e6
    return [timing_result(
        "fts_global_ingest", c.ours, c.baseline, [], baseline_label="pandas.read_csv",
        detail=c.cpu_note(),
        note=f"HDX's worldwide plan and cluster exports ({size:.1f} MB, {len(tables['fts_plans'])} plans, "
             f"{len(tables['fts_clusters'])} cluster rows): our reader (decode, dialect, per-plan sums of country "
             "shares, validation) vs plain read_csv of both files.")]


def _venezuela_only(ds: Any) -> Any:
    """The dataset with Venezuela's plans only (the size of the first version's data)."""
    from dashboard.data import Dataset
    from dashboard.queries import contains_code

    tables = {name: ds.tables[name] for name in ds.tables}
    plans = tables["fts_plans"]
    keep = plans[contains_code(plans["countries_iso3"], ["VEN"]) | plans["plan_code"].str.contains(
        "VEN", regex=False).fillna(False).astype(bool)]
    ids = set(keep["plan_id"])
    tables["fts_plans"] = keep.reset_index(drop=True)
    for name in ("fts_clusters", "fts_plan_locations", "fts_donors", "fts_flows"):
        frame = tables[name]
        tables[name] = frame[frame["plan_id"].isin(ids).fillna(False).astype(bool)].reset_index(drop=True)
    return Dataset.from_tables(tables, ds.provenance, token=("venezuela only",))


@register("funding_all_plans")
def bench_funding_all_plans(ctx: Context) -> list[Result]:
    """p95 of the /funding chart callbacks (every chart, several plans and years), all ~900 plans vs VEN's."""
    from dashboard.app import create_app
    from dashboard.pages import funding

    app = create_app(ctx.tmp / "funding-world-empty")
    with app.server.test_request_context():
        world = app.server.extensions["humdash"].current()
        ven = _venezuela_only(world)
        plans = sorted(int(p) for p in ven.tables["fts_plans"]["plan_id"])
        selections = [("VEN", [], plan) for plan in plans[:6]] + [("VEN", [2019, 2020], None), ("VEN", [], None)]

        def run(ds: Any) -> None:
            funding.current_dataset = lambda: ds  # the page module's own lookup
            for country, years, plan in selections:
                for chart in funding.CHARTS:
                    funding.update_chart(chart.key, country, years, plan, ["regional"], "cluster")

        original = funding.current_dataset
        try:
            c = compare(lambda: run(world), lambda: run(ven), ctx.n(8, 3))
        finally:
            funding.current_dataset = original
    calls = len(selections) * len(funding.CHARTS)
    return [timing_result(
        "funding_callbacks_all_plans", c.ours, c.baseline, [ratio_at_most(1.5)],
        baseline_label="Venezuela's plans only", detail=c.cpu_note(),
        note=f"{calls} /funding chart callbacks (every chart for {len(selections)} plan/year selections) with all "
             f"{len(world.tables['fts_plans'])} plans loaded vs the same on the {len(plans)} plans that name "
             "Venezuela; one call set per sample, in process (no HTTP).")]
