"""Every definition and label shown to users, in one place (marked for translation with N_).

Show them through `_()` at render time, e.g. `_(DEFINITIONS["percent_funded"])`.
"""
from __future__ import annotations

from .i18n import N_

APP_TITLE = N_("Humanitarian funding and migrant deaths")

# What a number means: shown on hover (title attribute), in table headers and on /about.
DEFINITIONS: dict[str, str] = {
    "requirements_usd": N_("Requirements: the money the plan asks for, in US dollars, as currently revised "
                           "(not the original requirements)."),
    "funding_usd": N_("Funding: money paid or committed to the plan, in US dollars, as reported to FTS. "
                      "Pledges are not included and are counted separately."),
    "pledges_usd": N_("Pledges: money promised but not yet committed or paid; not part of funding."),
    "percent_funded": N_("Percent funded = funding ÷ requirements × 100 (current requirements; paid and committed "
                         "funding). It can exceed 100 % for a cluster, and is empty when there is no requirement."),
    "unmet_usd": N_("Unmet requirements = requirements − funding (zero when funding reaches the requirements)."),
    "people_in_need": N_("People in need: people whose lives, safety or livelihoods are threatened and who need "
                         "humanitarian assistance, as estimated in the plan."),
    "people_targeted": N_("People targeted: the part of the people in need the plan aims to reach; usually smaller "
                          "than people in need."),
    "dead": N_("Dead: migrants whose deaths were recorded (bodies found). A minimum estimate."),
    "missing": N_("Missing: migrants reported missing and presumed dead (bodies not recovered). A minimum estimate; "
                  "a negative number is the source's correction of an earlier figure, already netted into the total."),
    "dead_and_missing": N_("Dead and missing: the source's own total of dead plus missing. All MMP counts are "
                           "minimum estimates."),
    "incidents": N_("Incidents: recorded events (a shipwreck, a vehicle crash…); one incident can involve many people."),
    "origin_group": N_("Nationality group: 'single' (one nationality), 'multiple' (several nationalities recorded "
                       "for one incident, shown as one bar and never split or counted twice), 'unknown' "
                       "(nationality not known) or 'mixed' (the source says the group was mixed)."),
    "region_group": N_("Region group: the incident regions grouped as on missingmigrants.iom.int, e.g. Americas = "
                       "North America, Central America, Caribbean, South America and the older 'US-Mexico Border'."),
    "share_percent": N_("Share: the donor's funding as a percentage of all funding to the plan."),
    "month_precision": N_("Month precision: the bundled snapshot counts whole months, so a date range that cuts a "
                          "month includes all of that month."),
    "cluster_row_type": N_("Clusters are the sectors of a plan (health, food security…). 'Not specified' is funding "
                           "reported without a cluster; 'shared' is funding that covers several clusters."),
}

# Column labels for tables and CSV readers; keys are tidy column names.
COLUMN_LABELS: dict[str, str] = {
    "plan_id": N_("Plan ID"), "plan_code": N_("Plan code"), "plan_name": N_("Plan"), "year": N_("Year"),
    "requirements_usd": N_("Requirements (US$)"), "funding_usd": N_("Funding (US$)"),
    "unmet_usd": N_("Unmet (US$)"), "percent_funded": N_("% funded"), "pledges_usd": N_("Pledges (US$)"),
    "cluster_name": N_("Cluster"), "row_type": N_("Row type"), "cluster_type": N_("Cluster type"),
    "donor_name": N_("Donor"), "donor_type": N_("Donor type"), "share_percent": N_("Share (%)"),
    "flows": N_("Flows"), "date": N_("Date"), "cumulative_usd": N_("Cumulative funding (US$)"),
    "origin": N_("Nationality (as published)"), "origin_iso3": N_("ISO3"), "origin_group": N_("Nationality group"),
    "dead": N_("Dead"), "missing": N_("Missing"), "dead_and_missing": N_("Dead and missing"),
    "incidents": N_("Incidents"), "period": N_("Period"), "region": N_("Region"),
    "region_group": N_("Region group"), "cause_of_death": N_("Cause of death"), "lat": N_("Latitude (bin centre)"),
    "lon": N_("Longitude (bin centre)"), "people_in_need": N_("People in need"),
    "people_targeted": N_("People targeted"), "is_regional": N_("Regional plan"),
}

ORIGIN_GROUP_LABELS = {
    "unknown": N_("Unknown nationality"),
    "mixed": N_("Mixed nationalities"),
    "multiple": N_("Multiple"),
    "single": N_("Single nationality"),
}

CLUSTER_ROW_LABELS = {
    "not_specified": N_("Not specified (no cluster reported)"),
    "shared": N_("Shared (several clusters)"),
}

SOURCES = {
    "fts": {
        "name": N_("OCHA Financial Tracking Service (FTS)"),
        "url": "https://fts.unocha.org",
        "licence": "CC BY-IGO 3.0",
        "licence_url": "https://creativecommons.org/licenses/by/3.0/igo/",
        "attribution": N_("OCHA Financial Tracking Service"),
    },
    "mmp": {
        "name": N_("IOM Missing Migrants Project (MMP)"),
        "url": "https://missingmigrants.iom.int",
        "licence": "CC BY 4.0",
        "licence_url": "https://creativecommons.org/licenses/by/4.0/",
        "attribution": N_("IOM Missing Migrants Project"),
    },
}
