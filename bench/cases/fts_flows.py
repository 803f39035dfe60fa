"""fts_flows_parse: FTS flow-list pages through our parser to the validated fts_flows frame, against
json.loads of the same bytes."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import pandas as pd

from bench import synth
from bench.harness import Context, Result, compare, ratio_at_most, register, timing_result


def parse_flow_pages(pages: Sequence[bytes], donors: bool = True) -> dict[str, pd.DataFrame]:
    """Our FTS parser on flow-list pages held in memory.

    The flow-list parser is private: `fts._read_one` (decode, recognise the shape, `_flow_rows`) per
    page, then the fts_flows step of `fts._tables` (`_frame` + `validate`). With `donors=True` it is
    exactly `fts.read_files` without the file reads (`_tables` also derives and validates fts_donors).
    """
    from ingest.report import Report
    from ingest.schemas import validate
    from ingest.sources import fts

    collected, report = fts._Collected(), Report()
    for i, content in enumerate(pages):
        fts._read_one(Path(f"flows_page-{i + 1}.json"), content, collected, report)
    if donors:
        return fts._tables(collected, report)
    # The fts_flows line of fts._tables, on its own (the part that turns documents into the fts_flows frame).
    return {"fts_flows": validate("fts_flows", fts._frame("fts_flows", list(collected.flows.values())), "fts_flows")}


@register("fts_flows_parse")
def bench_fts_flows_parse(ctx: Context) -> list[Result]:
    pages = synth.flow_pages(pages=10, per_page=200, seed=0)
    recorded = len(synth.recorded_flow_page()["data"]["flows"])
    for donors in (False, True):
        flows = parse_flow_pages(pages, donors=donors)["fts_flows"]
        if len(flows) != 2000:
            raise RuntimeError(f"parser returned {len(flows)} flows for 10 pages of 200")
    baseline = lambda: [json.loads(p) for p in pages]  # noqa: E731
    c = compare(lambda: parse_flow_pages(pages, donors=False), baseline, ctx.n(30, 8))
    full = compare(lambda: parse_flow_pages(pages, donors=True), baseline, ctx.n(30, 8))
    return [
        timing_result(
            "fts_flows_parse", c.ours, c.baseline, [ratio_at_most(3)], baseline_label="json.loads",
            detail=c.cpu_note(),
            note=f"10 pages x 200 flows ({sum(map(len, pages)) / 1e6:.1f} MB of JSON). Page 1 = the {recorded} flows "
                 f"of the recorded {synth.FTS_FLOW_PAGE.split('/')[-1]} (it holds {recorded}, not 200) topped up "
                 "with sampled ones; pages 2-10 sampled with new ids and dates jittered ±30 days. Ours calls the "
                 "PRIVATE fts._read_one per page, then fts._frame + validate for fts_flows (the fts_flows step "
                 "of the private fts._tables)."),
        timing_result(
            "fts_flows_parse + fts_donors (read_files path)", full.ours, full.baseline, [],
            baseline_label="json.loads", detail=full.cpu_note(),
            note="Context: the whole of fts.read_files without file reads (private fts._read_one + fts._tables, "
                 "which also derives and validates fts_donors)."),
    ]
