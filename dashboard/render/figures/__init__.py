"""Pure functions: a query's DataFrame -> a figure (plain dicts, as plotly.js takes them), and the
one-sentence summary of it.

No Dash, no I/O. An empty frame gives a figure that says so in words (never an empty axis).
Text from the data goes through `plain()` before it reaches a label, hover text or message: plotly
renders a subset of HTML in those, and source names must show as written, never as markup.
Charts draw at most a readable number of bars; the rest are summed into one labelled bar, and the
full rows stay in the table view and the CSV below each chart.

    builder.py    Figure, Bar, Scatter, Scattergeo: plotly's figures as plain dicts, without its validation
    common.py     helpers, the message figure
    funding.py    FTS figures
    migration.py  IOM figures
    crisis.py     the crisis page

This package re-exports the public names of its modules.
"""
from __future__ import annotations

from .common import (
    LABEL_WIDTH,
    message_figure,
    origin_label,
    plain,
)
from .crisis import (
    CRISIS_MARGIN,
    MULTIPLE_PATTERN,
    PUBLISHED_PATTERN,
    crisis_breakdown,
    crisis_plan_table,
    crisis_plans,
    crisis_sentence,
    crisis_trend,
    group_label,
    nationality,
    nationality_adjective,
    summary_crisis_breakdown,
    summary_crisis_plans,
    summary_crisis_trend,
    with_year,
)
from .funding import (
    cluster_coverage,
    cluster_label,
    funding_timeline,
    requirements_vs_funding,
    summary_clusters,
    summary_donors,
    summary_requirements,
    summary_timeline,
    top_donors,
)
from .migration import (
    deaths_by_cause,
    deaths_by_origin,
    deaths_by_region,
    deaths_trend,
    incident_map,
    nationality_label,
    summary_cause,
    summary_map,
    summary_origin,
    summary_region,
    summary_trend,
    undated_sentence,
)

__all__ = [
    "CRISIS_MARGIN",
    "LABEL_WIDTH",
    "MULTIPLE_PATTERN",
    "PUBLISHED_PATTERN",
    "cluster_coverage",
    "cluster_label",
    "crisis_breakdown",
    "crisis_plan_table",
    "crisis_plans",
    "crisis_sentence",
    "crisis_trend",
    "deaths_by_cause",
    "deaths_by_origin",
    "deaths_by_region",
    "deaths_trend",
    "funding_timeline",
    "group_label",
    "incident_map",
    "message_figure",
    "nationality",
    "nationality_adjective",
    "nationality_label",
    "origin_label",
    "plain",
    "requirements_vs_funding",
    "summary_cause",
    "summary_clusters",
    "summary_crisis_breakdown",
    "summary_crisis_plans",
    "summary_crisis_trend",
    "with_year",
    "summary_donors",
    "summary_map",
    "summary_origin",
    "summary_region",
    "summary_requirements",
    "summary_timeline",
    "summary_trend",
    "top_donors",
    "undated_sentence",
]
