"""The filter selections the benchmarks rotate through: realistic /migration, /crisis and /funding choices
(page defaults, single years, region groups, nationalities, causes, routes, date ranges that cut months)."""
from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd


def migration_filters() -> list[Any]:
    """A rotation of realistic migration selections: page defaults, years, region groups, nationality,
    causes, routes and date ranges that cut months."""
    from dashboard.queries import Filters as F

    year = lambda y: dict(date_from=date(y, 1, 1), date_to=date(y, 12, 31))  # noqa: E731
    return [
        F(**year(2019), region_groups=("Americas",)),  # /migration and / (overview) default
        F(),  # everything
        F(**year(2023)),
        F(**year(2016), region_groups=("Mediterranean",)),
        F(date_from=date(2021, 3, 15), date_to=date(2021, 8, 31), region_groups=("Africa",)),
        F(origins=("AFG",)),
        F(origins=("SYR", "AFG"), date_from=date(2015, 1, 1), date_to=date(2016, 12, 31)),
        F(origins=("VEN",), region_groups=("Americas",)),
        F(date_from=date(2020, 1, 1), date_to=date(2022, 12, 31), region_groups=("Asia",), freq="year"),
        F(date_from=date(2024, 1, 1), date_to=date(2025, 4, 30), region_groups=("Europe",)),
        F(years=(2017, 2018), freq="year"),  # the API's year= parameter
        F(causes=("Drowning",), region_groups=("Mediterranean",)),
        F(routes=("US-Mexico border crossing",), **year(2022)),
        F(origins=("MEX", "GTM", "HND"), regions=("North America", "Central America"), **year(2021)),
    ]


def funding_filters(plans: pd.DataFrame, clusters: pd.DataFrame, donors: pd.DataFrame) -> list[Any]:
    """Plans as the funding page selects them (one plan, plan or global clusters), plus country/years."""
    from dashboard.queries import Filters as F

    ids = [int(p) for p in pd.unique(pd.concat([clusters["plan_id"], donors["plan_id"]]))][:12]
    out = [F(plan_ids=(pid,), cluster_type=("cluster", "globalcluster")[i % 2]) for i, pid in enumerate(ids)]
    out += [F(countries=("VEN",), years=(2019, 2020)), F(countries=("COL",)), F()]
    return out


CRISIS_SELECTIONS = [("VEN", 2019), ("AFG", 2021), ("SYR", 2016), ("MEX", 2022), ("ETH", 2023), ("GTM", 2019),
                     ("HND", 2021), ("MAR", 2018), ("SDN", 2023), ("MMR", 2015)]


def crisis_filters(with_year: bool) -> list[Any]:
    """The /crisis page's selections (a nationality; its trend has no year, its breakdowns one year)."""
    from dashboard.queries import Filters as F

    return [F(origins=(c,), years=(y,)) if with_year else F(origins=(c,)) for c, y in CRISIS_SELECTIONS]


def crisis_plan_filters() -> list[Any]:
    from dashboard.queries import Filters as F

    return [F(countries=(c,)) for c, _y in CRISIS_SELECTIONS]
