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

CRISIS_GROUP_LABELS = {
    "single": N_("{people} (single nationality)"),
    "multiple": N_("Several nationalities incl. {adjective} (not split)"),
}

# Nationality nouns for sentences: ISO3 -> (one person, several people). Countries without an entry
# read "person from <country>" / "people from <country>" (always correct, if less natural).
DEMONYMS: dict[str, tuple[str, str]] = {code: (N_(one), N_(many)) for code, one, many in [
    ("AFG", "Afghan", "Afghans"), ("AGO", "Angolan", "Angolans"), ("ALB", "Albanian", "Albanians"),
    ("ARG", "Argentine", "Argentines"), ("BDI", "Burundian", "Burundians"), ("BEN", "Beninese", "Beninese"),
    ("BFA", "Burkinabè", "Burkinabè"), ("BGD", "Bangladeshi", "Bangladeshis"), ("BHS", "Bahamian", "Bahamians"),
    ("BLZ", "Belizean", "Belizeans"), ("BOL", "Bolivian", "Bolivians"), ("BRA", "Brazilian", "Brazilians"),
    ("CAF", "Central African", "Central Africans"), ("CAN", "Canadian", "Canadians"), ("CHL", "Chilean", "Chileans"),
    ("CHN", "Chinese", "Chinese"), ("CIV", "Ivorian", "Ivorians"), ("CMR", "Cameroonian", "Cameroonians"),
    ("COD", "Congolese (DRC)", "Congolese (DRC)"), ("COG", "Congolese (Republic of the Congo)",
                                                    "Congolese (Republic of the Congo)"),
    ("COL", "Colombian", "Colombians"), ("COM", "Comorian", "Comorians"), ("CRI", "Costa Rican", "Costa Ricans"),
    ("CUB", "Cuban", "Cubans"), ("DJI", "Djiboutian", "Djiboutians"), ("DOM", "Dominican", "Dominicans"),
    ("DZA", "Algerian", "Algerians"), ("ECU", "Ecuadorian", "Ecuadorians"), ("EGY", "Egyptian", "Egyptians"),
    ("ERI", "Eritrean", "Eritreans"), ("ETH", "Ethiopian", "Ethiopians"), ("GEO", "Georgian", "Georgians"),
    ("GHA", "Ghanaian", "Ghanaians"), ("GIN", "Guinean", "Guineans"), ("GMB", "Gambian", "Gambians"),
    ("GNB", "Bissau-Guinean", "Bissau-Guineans"), ("GTM", "Guatemalan", "Guatemalans"),
    ("GUY", "Guyanese", "Guyanese"), ("HND", "Honduran", "Hondurans"), ("HTI", "Haitian", "Haitians"),
    ("HUN", "Hungarian", "Hungarians"), ("IDN", "Indonesian", "Indonesians"), ("IND", "Indian", "Indians"),
    ("IRN", "Iranian", "Iranians"), ("IRQ", "Iraqi", "Iraqis"), ("JAM", "Jamaican", "Jamaicans"),
    ("JOR", "Jordanian", "Jordanians"), ("KEN", "Kenyan", "Kenyans"), ("KGZ", "Kyrgyz", "Kyrgyz"),
    ("KHM", "Cambodian", "Cambodians"), ("LBN", "Lebanese", "Lebanese"), ("LBR", "Liberian", "Liberians"),
    ("LBY", "Libyan", "Libyans"), ("LKA", "Sri Lankan", "Sri Lankans"), ("MAR", "Moroccan", "Moroccans"),
    ("MDA", "Moldovan", "Moldovans"), ("MDG", "Malagasy", "Malagasy"), ("MEX", "Mexican", "Mexicans"),
    ("MLI", "Malian", "Malians"), ("MMR", "Myanmar national", "Myanmar nationals"),
    ("MOZ", "Mozambican", "Mozambicans"), ("MRT", "Mauritanian", "Mauritanians"), ("MWI", "Malawian", "Malawians"),
    ("NER", "Nigerien", "Nigeriens"), ("NGA", "Nigerian", "Nigerians"), ("NIC", "Nicaraguan", "Nicaraguans"),
    ("NPL", "Nepali", "Nepalis"), ("PAK", "Pakistani", "Pakistanis"), ("PAN", "Panamanian", "Panamanians"),
    ("PER", "Peruvian", "Peruvians"), ("PHL", "Filipino", "Filipinos"), ("PRY", "Paraguayan", "Paraguayans"),
    ("PSE", "Palestinian", "Palestinians"), ("ROU", "Romanian", "Romanians"), ("RUS", "Russian", "Russians"),
    ("RWA", "Rwandan", "Rwandans"), ("SDN", "Sudanese", "Sudanese"), ("SEN", "Senegalese", "Senegalese"),
    ("SLE", "Sierra Leonean", "Sierra Leoneans"), ("SLV", "Salvadoran", "Salvadorans"),
    ("SOM", "Somali", "Somalis"), ("SSD", "South Sudanese", "South Sudanese"), ("SYR", "Syrian", "Syrians"),
    ("TCD", "Chadian", "Chadians"), ("TGO", "Togolese", "Togolese"), ("THA", "Thai", "Thais"),
    ("TUN", "Tunisian", "Tunisians"), ("TUR", "Turkish national", "Turkish nationals"),
    ("TZA", "Tanzanian", "Tanzanians"), ("UGA", "Ugandan", "Ugandans"), ("UKR", "Ukrainian", "Ukrainians"),
    ("URY", "Uruguayan", "Uruguayans"), ("UZB", "Uzbek", "Uzbeks"), ("VEN", "Venezuelan", "Venezuelans"),
    ("VNM", "Vietnamese", "Vietnamese"), ("YEM", "Yemeni", "Yemenis"), ("ZMB", "Zambian", "Zambians"),
    ("ZWE", "Zimbabwean", "Zimbabweans"),
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
