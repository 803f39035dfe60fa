"""Every definition and label shown to users, in one place (marked for translation with N_).

Show them through `_()` at render time, e.g. `_(DEFINITIONS["percent_funded"])`.
"""
from __future__ import annotations

from dashboard.i18n import N_, NP_

APP_TITLE = N_("Humanitarian funding and migrant deaths")

# What a number means: shown on hover (title attribute), in table headers and on /about.
DEFINITIONS: dict[str, str] = {
    "requirements_usd": N_("Requirements: the money the plan asks for, in US dollars, as currently revised "
                           "(not the original requirements)."),
    "funding_usd": N_("Funding: money paid or committed to the plan, in US dollars, as reported to FTS. "
                      "Pledges are not included and are counted separately."),
    "pledges_usd": N_("Pledges: money promised but not yet committed or paid; not part of funding."),
    "percent_funded": N_("Percent funded = funding ÷ requirements × 100 (current requirements; paid and committed "
                         "funding). For a cluster it can exceed 100 %, and it is empty when there is no requirement."),
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
                       "for one incident), 'unknown' (nationality not known) or 'mixed' (the source says the group "
                       "was mixed). By nationality, an incident with several nationalities counts towards each of "
                       "them; totals count it once."),
    "region_group": N_("Region group: the incident regions grouped as on missingmigrants.iom.int, e.g. Americas = "
                       "North America, Central America, Caribbean, South America and the older 'US-Mexico Border'."),
    "share_percent": N_("Share: the donor's funding as a percentage of all funding to the plan."),
    "month_precision": N_("Month precision: the bundled snapshot counts whole months, so a date range that cuts a "
                          "month includes all of that month."),
    "cluster_row_type": N_("Clusters are the sectors of a plan (health, food security…). 'Not specified' is funding "
                           "reported without a cluster; 'shared' is funding that covers several clusters."),
    "coverage": N_("Plan figures: 'plan total' is FTS's own figure for the plan; a multi-country plan known only "
                   "by one row per country (HDX's worldwide export) has the sum of its countries' shares; "
                   "'partial' means only some countries' shares were read, so the plan's total is unknown and "
                   "left blank: a country's share is never shown as a plan's total."),
    "country_share": N_("A country's share of a multi-country plan: the requirements and funding FTS attributes "
                        "to that country, and their part of the plan's total."),
    "negative_funding": N_("Negative funding: FTS records net corrections (money moved out of a cluster, a "
                           "country or a plan) as negative amounts. They are kept with their sign, so the "
                           "parts of a plan add up to its total as in FTS."),
    "published_figures": N_("Published figures: numbers FTS does not hold, copied from a plan's own publication "
                            "(e.g. people in need), with source and date. They are kept in a table of their own "
                            "and labelled 'published figure' wherever they are shown; FTS figures are never "
                            "replaced by them."),
}

# Column labels for tables and CSV readers; keys are tidy column names.
COLUMN_LABELS: dict[str, str] = {
    "plan_id": N_("Plan ID"), "plan_code": N_("Plan code"), "plan_name": N_("Plan"), "year": N_("Year"),
    "requirements_usd": N_("Requirements (US$)"), "funding_usd": N_("Funding (US$)"),
    "unmet_usd": N_("Unmet (US$)"), "percent_funded": N_("% funded"), "pledges_usd": N_("Pledges (US$)"),
    "coverage": N_("Plan figures"), "plan_type_id": N_("Plan type ID"),
    "share_of_requirements_percent": N_("Share of the plan's requirements (%)"),
    "share_of_funding_percent": N_("Share of the plan's funding (%)"),
    "cluster_name": N_("Cluster"), "row_type": N_("Row type"), "cluster_type": N_("Cluster type"),
    "donor_name": N_("Donor"), "donor_type": N_("Donor type"), "share_percent": N_("Share (%)"),
    "flows": N_("Flows"), "date": N_("Date"), "cumulative_usd": N_("Cumulative funding (US$)"),
    "origin": N_("Nationality (as published)"), "origin_iso3": N_("ISO3"), "origin_group": N_("Nationality group"),
    "dead": N_("Dead"), "missing": N_("Missing"), "dead_and_missing": N_("Dead and missing"),
    "incidents": N_("Incidents"), "period": N_("Period"), "region": N_("Region"),
    "region_group": N_("Region group"), "cause_of_death": N_("Cause of death"), "lat": N_("Latitude (bin centre)"),
    "lon": N_("Longitude (bin centre)"), "people_in_need": N_("People in need"),
    "people_targeted": N_("People targeted"), "is_regional": N_("Regional plan"),
    "cluster_id": N_("Cluster ID"), "bin_degrees": N_("Map cell size (degrees)"),
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


# ------------------------------------------------------------------------------------------ crisis (/crisis)

# How a plan relates to the country on the crisis page (queries.RELATIONS), shown in tables and hover.
RELATION_LABELS = {
    "country": N_("the country's own plan"),
    "named": N_("regional plan for its people (the plan's name names the country; its countries are the hosts)"),
    "covers": N_("regional or global plan that includes the country"),
}
RELATION_SHORT = {"country": N_("own plan"), "named": N_("for its people"), "covers": N_("includes it")}
FIGURE_KIND_LABELS = {"FTS": N_("FTS data"), "published figure": N_("published figure, not FTS data")}

DEFINITIONS.update({
    "relation": N_("Relation: the country's own plan; a regional plan for its people (named after the country, "
                   "covering the host countries, e.g. the RMRP for Venezuelans); or a regional or global plan "
                   "whose countries include it."),
    "figure_kind": N_("Figures: 'FTS' when the numbers come from OCHA FTS; 'published figure' when FTS has no record "
                      "offline and the number is copied from the plan's own publication (source in the Source "
                      "column)."),
    "country_share_percent": N_("Country's part: the country's share of a regional plan's requirements where FTS "
                                "breaks the plan down by location (fts_plan_locations); blank without a breakdown."),
    "crisis_single": N_("At least N: people of this nationality alone in an incident (a minimum estimate)."),
    "crisis_multiple": N_("Several nationalities: incidents whose victims had several nationalities including this "
                          "one; all their dead and missing are shown, kept whole and never split by nationality."),
})

COLUMN_LABELS.update({
    "country_iso3": N_("Country"), "relation": N_("Relation"), "figure_kind": N_("Figures"),
    "country_requirements_usd": N_("Country's part of requirements (US$)"),
    "country_funding_usd": N_("Country's part of funding (US$)"),
    "country_share_percent": N_("Country's share of requirements (%)"),
    "country_funding_share_percent": N_("Country's share of funding (%)"),
    "countries_iso3": N_("Plan countries"), "figures_source": N_("Source of figures"),
    "people_source": N_("Source of people figures"), "plan_type": N_("Plan type"),
    "migration_route": N_("Migration route"), "period_start": N_("Month"),
})

# The MMP incident table's own columns (every source column is kept; unknown ones keep their header).
COLUMN_LABELS.update({
    "incident_id": N_("Incident ID (unique)"),
    "incident_date": N_("Incident date"),
    "month": N_("Month number"),
    "country_of_incident": N_("Country of incident"),
    "country_of_incident_iso3": N_("Country of incident (ISO3)"),
    "survivors": N_("Survivors"),
    "females": N_("Females"),
    "males": N_("Males"),
    "children": N_("Children"),
    "source_quality": N_("Source quality"),
    "url": N_("Source URL"),
    "source_file": N_("Source file or URL"),
    "total_dead_and_missing_source": N_("Total dead and missing (as published)"),
    "main_id": N_("Main ID (as published)"),
    "source_incident_id": N_("Incident ID (as published)"),
    "location": N_("Location of incident"),
    "information_source": N_("Information source"),
    "region_of_origin": N_("Region of origin"),
    "unsd_geographical_grouping": N_("UNSD geographical grouping"),
    "incident_type": N_("Incident type"),
    "article_title": N_("Article title"),
})

DEFINITIONS.update({
    "total_dead_and_missing_source": N_("Total dead and missing as published: the source's own 'Total Number of "
                                        "Dead and Missing', kept as written (blank when the file has no total "
                                        "column); where it differs from dead + missing the ingest report lists "
                                        "the incidents."),
    "incident_id": N_("Incident ID: unique per row; the source's Main ID, else its Incident ID when Main IDs repeat "
                      "(split incidents), with '#2', '#3' on remaining repeats. The source's own IDs are kept in "
                      "main_id and source_incident_id."),
})

CRISIS_GROUP_LABELS = {
    "single": N_("{people} (single nationality)"),
    "multiple": N_("Several nationalities incl. {adjective} (not split)"),
}

# Nationality words for sentences: ISO3 -> (adjective / one person, several people); the first is
# marked with the context "nationality" (Spanish: "venezolana" as in "la nacionalidad venezolana",
# against "venezolanos"), translated with pgettext. Countries without an entry
# read "person from <country>" / "people from <country>" (always correct, if less natural).
DEMONYMS: dict[str, tuple[str, str]] = {code: (one, many) for code, one, many in [
    ("AFG", NP_("nationality", "Afghan"), N_("Afghans")),
    ("AGO", NP_("nationality", "Angolan"), N_("Angolans")),
    ("ALB", NP_("nationality", "Albanian"), N_("Albanians")),
    ("ARG", NP_("nationality", "Argentine"), N_("Argentines")),
    ("BDI", NP_("nationality", "Burundian"), N_("Burundians")),
    ("BEN", NP_("nationality", "Beninese"), N_("Beninese")),
    ("BFA", NP_("nationality", "Burkinabè"), N_("Burkinabè")),
    ("BGD", NP_("nationality", "Bangladeshi"), N_("Bangladeshis")),
    ("BHS", NP_("nationality", "Bahamian"), N_("Bahamians")),
    ("BLZ", NP_("nationality", "Belizean"), N_("Belizeans")),
    ("BOL", NP_("nationality", "Bolivian"), N_("Bolivians")),
    ("BRA", NP_("nationality", "Brazilian"), N_("Brazilians")),
    ("CAF", NP_("nationality", "Central African"), N_("Central Africans")),
    ("CAN", NP_("nationality", "Canadian"), N_("Canadians")),
    ("CHL", NP_("nationality", "Chilean"), N_("Chileans")),
    ("CHN", NP_("nationality", "Chinese"), N_("Chinese")),
    ("CIV", NP_("nationality", "Ivorian"), N_("Ivorians")),
    ("CMR", NP_("nationality", "Cameroonian"), N_("Cameroonians")),
    ("COD", NP_("nationality", "Congolese (DRC)"), N_("Congolese (DRC)")),
    ("COG", NP_("nationality", "Congolese (Republic of the Congo)"), N_("Congolese (Republic of the Congo)")),
    ("COL", NP_("nationality", "Colombian"), N_("Colombians")),
    ("COM", NP_("nationality", "Comorian"), N_("Comorians")),
    ("CRI", NP_("nationality", "Costa Rican"), N_("Costa Ricans")),
    ("CUB", NP_("nationality", "Cuban"), N_("Cubans")),
    ("DJI", NP_("nationality", "Djiboutian"), N_("Djiboutians")),
    ("DOM", NP_("nationality", "Dominican"), N_("Dominicans")),
    ("DZA", NP_("nationality", "Algerian"), N_("Algerians")),
    ("ECU", NP_("nationality", "Ecuadorian"), N_("Ecuadorians")),
    ("EGY", NP_("nationality", "Egyptian"), N_("Egyptians")),
    ("ERI", NP_("nationality", "Eritrean"), N_("Eritreans")),
    ("ETH", NP_("nationality", "Ethiopian"), N_("Ethiopians")),
    ("GEO", NP_("nationality", "Georgian"), N_("Georgians")),
    ("GHA", NP_("nationality", "Ghanaian"), N_("Ghanaians")),
    ("GIN", NP_("nationality", "Guinean"), N_("Guineans")),
    ("GMB", NP_("nationality", "Gambian"), N_("Gambians")),
    ("GNB", NP_("nationality", "Bissau-Guinean"), N_("Bissau-Guineans")),
    ("GTM", NP_("nationality", "Guatemalan"), N_("Guatemalans")),
    ("GUY", NP_("nationality", "Guyanese"), N_("Guyanese")),
    ("HND", NP_("nationality", "Honduran"), N_("Hondurans")),
    ("HTI", NP_("nationality", "Haitian"), N_("Haitians")),
    ("HUN", NP_("nationality", "Hungarian"), N_("Hungarians")),
    ("IDN", NP_("nationality", "Indonesian"), N_("Indonesians")),
    ("IND", NP_("nationality", "Indian"), N_("Indians")),
    ("IRN", NP_("nationality", "Iranian"), N_("Iranians")),
    ("IRQ", NP_("nationality", "Iraqi"), N_("Iraqis")),
    ("JAM", NP_("nationality", "Jamaican"), N_("Jamaicans")),
    ("JOR", NP_("nationality", "Jordanian"), N_("Jordanians")),
    ("KEN", NP_("nationality", "Kenyan"), N_("Kenyans")),
    ("KGZ", NP_("nationality", "Kyrgyz"), N_("Kyrgyz")),
    ("KHM", NP_("nationality", "Cambodian"), N_("Cambodians")),
    ("LBN", NP_("nationality", "Lebanese"), N_("Lebanese")),
    ("LBR", NP_("nationality", "Liberian"), N_("Liberians")),
    ("LBY", NP_("nationality", "Libyan"), N_("Libyans")),
    ("LKA", NP_("nationality", "Sri Lankan"), N_("Sri Lankans")),
    ("MAR", NP_("nationality", "Moroccan"), N_("Moroccans")),
    ("MDA", NP_("nationality", "Moldovan"), N_("Moldovans")),
    ("MDG", NP_("nationality", "Malagasy"), N_("Malagasy")),
    ("MEX", NP_("nationality", "Mexican"), N_("Mexicans")),
    ("MLI", NP_("nationality", "Malian"), N_("Malians")),
    ("MMR", NP_("nationality", "Myanmar national"), N_("Myanmar nationals")),
    ("MOZ", NP_("nationality", "Mozambican"), N_("Mozambicans")),
    ("MRT", NP_("nationality", "Mauritanian"), N_("Mauritanians")),
    ("MWI", NP_("nationality", "Malawian"), N_("Malawians")),
    ("NER", NP_("nationality", "Nigerien"), N_("Nigeriens")),
    ("NGA", NP_("nationality", "Nigerian"), N_("Nigerians")),
    ("NIC", NP_("nationality", "Nicaraguan"), N_("Nicaraguans")),
    ("NPL", NP_("nationality", "Nepali"), N_("Nepalis")),
    ("PAK", NP_("nationality", "Pakistani"), N_("Pakistanis")),
    ("PAN", NP_("nationality", "Panamanian"), N_("Panamanians")),
    ("PER", NP_("nationality", "Peruvian"), N_("Peruvians")),
    ("PHL", NP_("nationality", "Filipino"), N_("Filipinos")),
    ("PRY", NP_("nationality", "Paraguayan"), N_("Paraguayans")),
    ("PSE", NP_("nationality", "Palestinian"), N_("Palestinians")),
    ("ROU", NP_("nationality", "Romanian"), N_("Romanians")),
    ("RUS", NP_("nationality", "Russian"), N_("Russians")),
    ("RWA", NP_("nationality", "Rwandan"), N_("Rwandans")),
    ("SDN", NP_("nationality", "Sudanese"), N_("Sudanese")),
    ("SEN", NP_("nationality", "Senegalese"), N_("Senegalese")),
    ("SLE", NP_("nationality", "Sierra Leonean"), N_("Sierra Leoneans")),
    ("SLV", NP_("nationality", "Salvadoran"), N_("Salvadorans")),
    ("SOM", NP_("nationality", "Somali"), N_("Somalis")),
    ("SSD", NP_("nationality", "South Sudanese"), N_("South Sudanese")),
    ("SYR", NP_("nationality", "Syrian"), N_("Syrians")),
    ("TCD", NP_("nationality", "Chadian"), N_("Chadians")),
    ("TGO", NP_("nationality", "Togolese"), N_("Togolese")),
    ("THA", NP_("nationality", "Thai"), N_("Thais")),
    ("TUN", NP_("nationality", "Tunisian"), N_("Tunisians")),
    ("TUR", NP_("nationality", "Turkish national"), N_("Turkish nationals")),
    ("TZA", NP_("nationality", "Tanzanian"), N_("Tanzanians")),
    ("UGA", NP_("nationality", "Ugandan"), N_("Ugandans")),
    ("UKR", NP_("nationality", "Ukrainian"), N_("Ukrainians")),
    ("URY", NP_("nationality", "Uruguayan"), N_("Uruguayans")),
    ("UZB", NP_("nationality", "Uzbek"), N_("Uzbeks")),
    ("VEN", NP_("nationality", "Venezuelan"), N_("Venezuelans")),
    ("VNM", NP_("nationality", "Vietnamese"), N_("Vietnamese")),
    ("YEM", NP_("nationality", "Yemeni"), N_("Yemenis")),
    ("ZMB", NP_("nationality", "Zambian"), N_("Zambians")),
    ("ZWE", NP_("nationality", "Zimbabwean"), N_("Zimbabweans")),
]}
DEMONYM_FALLBACK = (N_("person from {country}"), N_("people from {country}"))

# "where" phrases for the summary: region as published -> phrase; others read "in <region>".
REGION_PHRASES = {"Caribbean": N_("in the Caribbean"), "Mediterranean": N_("in the Mediterranean")}
REGION_PHRASE = N_("in {region}")
# cause as published -> phrase after "most"; causes without an entry read "most: <cause>".
CAUSE_PHRASES = {
    "Drowning": N_("by drowning"),
    "Vehicle accident / death linked to hazardous transport": N_("in vehicle accidents or hazardous transport"),
    "Violence": N_("through violence"),
    "Harsh environmental conditions / lack of adequate shelter, food, water":
        N_("from harsh conditions (exposure, lack of shelter, food or water)"),
    "Sickness / lack of access to adequate healthcare": N_("from sickness or lack of healthcare"),
    "Accidental death": N_("in accidents"),
}
CAUSE_PHRASE = N_("of {cause}")

# The crisis summary: sentence parts, joined in figures.crisis_sentence. Placeholders are filled
# with numbers from queries.crisis_facts (money as "US$222.7 million", percent as "34.5 %").
CRISIS_SENTENCES = {
    "own_one": N_("In {year} the plan for {country} received {percent} of the {requirements} it asked for"),
    "own_many": N_("In {year} the {n} plans for {country} received {percent} of the {requirements} they asked for"),
    "own_no_requirement": N_("In {year} the plan for {country} received {funding} (no requirement recorded)"),
    "own_none": N_("In {year} there was no humanitarian plan of {country}'s own in the data"),
    "own_published": N_(" (published figure, not FTS)"),
    "deaths": N_(", while at least {n} {people} died or went missing on migration routes"),
    "deaths_none": N_(", and the IOM Missing Migrants Project recorded no {people} dead or missing that year "
                      "(no record is not the same as no deaths)"),
    "where_most": N_(", most of them {where} ({n})"),
    "where_top": N_(", the largest number {where} ({n})"),
    "cause_most": N_(" and most {cause} ({n})"),
    "end": N_("."),
    "multiple": N_(" A further {n} people died or went missing in {incidents} incident(s) whose victims had several "
                   "nationalities including {adjective}; they are counted separately, never split."),
    "regional": N_(" The {plan}, {relation}, asked for {requirements} and was {percent} funded."),
    "regional_no_requirement": N_(" The {plan}, {relation}, received {funding}; no requirement is recorded."),
    "regional_published": N_(" The {plan}, {relation}, asked for {requirements} and was {percent} funded: "
                             "published figures, not FTS data, from {source}."),
    "regional_part": N_(" {country}'s part of it: {amount} of the requirements ({share})."),
    "regional_more": N_(" {n} more regional or global plan(s) include {country}; see the table."),
    "relation_named": N_("a regional plan for {people}"),
    "relation_covers": N_("a regional or global plan that includes {country}"),
    "nothing": N_("The data hold no humanitarian plan related to {country} and no recorded death or disappearance "
                  "of {people}."),
}


# ------------------------------------------------------------------------------------------ file names

# Download file name stems (only [A-Za-z0-9-]: translations must stay ASCII), by view or table name.
FILE_STEMS = {
    "mmp/deaths-by-origin": N_("mmp-deaths-by-origin"), "mmp/trend": N_("mmp-trend"),
    "mmp/by-region": N_("mmp-by-region"), "mmp/by-cause": N_("mmp-by-cause"), "mmp/map-bins": N_("mmp-map-bins"),
    "fts/plans": N_("fts-plans"), "fts/clusters": N_("fts-clusters"), "fts/donors": N_("fts-donors"),
    "fts/funding-timeline": N_("fts-funding-timeline"), "crisis/plans": N_("crisis-plans"),
    "crisis/deaths-trend": N_("crisis-deaths-trend"), "crisis/deaths-by-region": N_("crisis-deaths-by-region"),
    "crisis/deaths-by-route": N_("crisis-deaths-by-route"), "crisis/deaths-by-cause": N_("crisis-deaths-by-cause"),
}
FILE_DATA = N_("data-{date}")
FILE_UNDATED = N_("data-undated")


# ------------------------------------------------------------------------------------------ places

# Region groups and regions as IOM publishes them, shown in the interface language (the data, the
# address and the downloads keep the published English value). Unlisted values are shown as published.
PLACE_NAMES = {p: p for p in (
    N_("Africa"), N_("Americas"), N_("Asia"), N_("Europe"), N_("Mediterranean"), N_("Multiple"),
    N_("Eastern Africa"), N_("Middle Africa"), N_("Northern Africa"), N_("Southern Africa"), N_("Western Africa"),
    N_("Caribbean"), N_("Central America"), N_("North America"), N_("South America"), N_("US-Mexico Border"),
    N_("Central Asia"), N_("Eastern Asia"), N_("South-eastern Asia"), N_("Southern Asia"), N_("Western Asia"),
    # causes of death and migration routes as published
    N_("Accidental death"),
    N_("Drowning"),
    N_("Harsh environmental conditions / lack of adequate shelter, food, water"),
    N_("Mixed or unknown"),
    N_("Sickness / lack of access to adequate healthcare"),
    N_("Vehicle accident / death linked to hazardous transport"),
    N_("Violence"),
    N_("Afghanistan to Iran"),
    N_("Bay of Bengal/Andaman Sea"),
    N_("Belarus-EU border"),
    N_("Caribbean to Central America"),
    N_("Caribbean to US"),
    N_("Central Mediterranean"),
    N_("DRC to Uganda"),
    N_("Darien"),
    N_("Dominican Republic to Puerto Rico"),
    N_("Eastern Mediterranean"),
    N_("Eastern Route to/from EHOA"),
    N_("English Channel to the UK"),
    N_("Haiti to Dominican Republic"),
    N_("Horn of Africa Route"),
    N_("Horn of Africa to Yemen crossing"),
    N_("Iran to Türkiye"),
    N_("Italy to France"),
    N_("Mainland Europe to the UK"),
    N_("Naf River crossing"),
    N_("Northern Route from EHOA"),
    N_("Route to Southern Africa"),
    N_("Sahara Desert crossing"),
    N_("Sea crossings to Mayotte"),
    N_("Syria to Türkiye"),
    N_("Türkiye-Europe land route"),
    N_("US-Mexico border crossing"),
    N_("Ukraine to Europe"),
    N_("Venezuela to Caribbean"),
    N_("Western Africa / Atlantic route to the Canary Islands"),
    N_("Western Balkans"),
    N_("Western Mediterranean"),
)}
