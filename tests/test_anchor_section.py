"""The packs' NHS as anchor section chooses its indicators from the registry (worked examples, no release): an
indicator registered later with an anchor theme appears without a code change, each figure carries its period and
age, gaps carry their reasons, and partners come in the civic map's order."""

from __future__ import annotations

from datetime import date

import pandas as pd

from pipelines.packs.anchor import anchor_view, period_text
from pipelines.packs.data import IcbPack

REGISTRY = pd.DataFrame(
    [
        # a new NHS workforce indicator, as another branch registers it: theme and domain only
        ("nhs_hchs_fte_per_1000", "NHS staff (FTE) per 1,000 residents", "employment and skills",
         "anchor institutions", "per_1000", "sum_by_organisation_hq", "nhs_workforce", "FTE.", ""),
        ("nhs_trust_energy_consumption", "NHS trust energy consumption", "net zero", "anchor institutions", "kwh",
         "sum_by_organisation_hq", "nhs_eric", "kWh.", ""),
        ("primary_care_gp_fte", "GPs per 10,000 patients", "employment and skills", "primary care workforce",
         "fte", "published_icb_breakdown", "heec", "GPs.", ""),
        ("nhs_research_activity", "NHS research activity (gap)", "research and development", "anchor institutions",
         "participants", "gap", None, "Not shown: no file offline.", "Live source: NIHR league tables."),
        ("employment_rate", "Employment rate", "employment and skills", "labour market", "percent", "sum", "aps",
         "Employment.", ""),
    ],
    columns=["id", "title", "domain", "theme", "unit", "aggregation", "source_id", "definition", "caveats"],
)  # fmt: skip


def _pack(latest: pd.DataFrame, breakdowns: pd.DataFrame, partners: pd.DataFrame) -> IcbPack:
    empty = pd.DataFrame()
    return IcbPack(
        release_id="r",
        icb={"icb_code": "E54000057", "icb_name": "Greater Manchester", "icb_vintage": "ICB24"},
        comparisons=latest,
        latest=latest,
        ranges=empty,
        domain_summary=empty,
        breakdowns=breakdowns,
        reconciliations=empty,
        peers=empty,
        peer_context=empty,
        deprivation_deciles=empty,
        inequality_gaps=empty,
        boundaries=empty,
        manifest={"created_at": "2026-12-06T12:00:00+00:00"},
        partners=partners,
        registry=REGISTRY,
    )


LATEST = pd.DataFrame(
    [
        ("nhs_hchs_fte_per_1000", "2018-06", pd.Timestamp("2018-06-01"), 21.5, "organisation_hq", "nhs_wf", "ok"),
        ("nhs_trust_energy_consumption", "2019/20", pd.Timestamp("2019-04-01"), 7.0e8, "organisation_hq", "e", "ok"),
        ("employment_rate", "2024", pd.Timestamp("2024-01-01"), 75.0, "la_aggregated", "aps", "ok"),
    ],
    columns=["indicator_id", "period", "period_start", "value", "method", "source_id", "value_status"],
)
BREAKDOWNS = pd.DataFrame(
    [
        ("primary_care_gp_fte", "2024/25", "practice_imd_quintile", "1", 4.5, "published_icb"),
        ("primary_care_gp_fte", "2024/25", "practice_imd_quintile", "2", 5.0, "published_icb"),
        ("primary_care_gp_fte", "2023/24", "practice_imd_quintile", "1", 9.9, "published_icb"),
    ],
    columns=["indicator_id", "period", "breakdown", "breakdown_value", "value", "method"],
)
PARTNERS = pd.DataFrame(
    [
        ("NHS trust", "RMC", "Bolton", "acute", "headquartered in the ICB", 0.98, None, None, None, "n", "ODS"),
        ("upper-tier council", "E08000001", "Bolton", "Metropolitan district", "overlaps the ICB", 1.0, 0.1, False,
         None, "n", "UTLA23"),
        ("upper-tier council", "E08000003", "Manchester", "Metropolitan district", "overlaps the ICB", 1.0, 0.19,
         False, None, "n", "UTLA23"),
        ("combined authority", "E47000001", "GMCA", "Combined authority", "overlaps the ICB", 1.0, 1.0, True, True,
         "n", "register"),
    ],
    columns=["partner_type", "partner_code", "partner_name", "partner_kind", "relationship",
             "share_of_partner_residents_in_icb", "share_of_icb_residents_in_partner", "is_coterminous",
             "has_elected_mayor", "shares_note", "as_at"],
)  # fmt: skip


def test_anchor_indicators_come_from_the_registry_with_their_periods_and_ages():
    view = anchor_view(_pack(LATEST, BREAKDOWNS, PARTNERS))
    figures = {f.indicator_id: f for f in view.figures}
    # the anchor and primary care themes, not the labour market indicator
    assert set(figures) == {"nhs_hchs_fte_per_1000", "nhs_trust_energy_consumption", "primary_care_gp_fte"}
    employer = figures["nhs_hchs_fte_per_1000"]
    assert (employer.part, employer.period, employer.years_old, employer.value) == (
        "The NHS as employer",
        "2018-06",
        8,
        21.5,
    )
    assert period_text(employer) == "2018-06 (8 years before this release)"
    assert figures["nhs_trust_energy_consumption"].part == "Energy and carbon"
    # published only by deprivation quintile: the latest period's groups, no invented ICB figure
    gp = figures["primary_care_gp_fte"]
    assert (gp.part, gp.period, gp.value, gp.by_group) == ("Primary care", "2024/25", None, [("1", 4.5), ("2", 5.0)])
    assert gp.years_old == date(2026, 1, 1).year - 2024
    assert [f.part for f in view.figures] == ["The NHS as employer", "Primary care", "Energy and carbon"]
    (gap,) = view.gaps
    assert (gap.indicator_id, gap.reason, gap.live_source) == (
        "nhs_research_activity",
        "Not shown: no file offline.",
        "Live source: NIHR league tables.",
    )


def test_partners_are_listed_by_type_then_weight():
    view = anchor_view(_pack(LATEST, BREAKDOWNS, PARTNERS))
    assert [p.code for p in view.partners] == ["E08000003", "E08000001", "E47000001", "RMC"]
    gmca = view.partners_of("combined authority")[0]
    assert gmca.coterminous is True and gmca.elected_mayor is True
    assert view.partners_of("NHS trust")[0].share_of_icb_in_partner is None


def test_an_indicator_with_no_figure_is_listed_as_such_and_a_release_without_partners_says_so():
    view = anchor_view(_pack(LATEST.iloc[2:], pd.DataFrame(), pd.DataFrame()))
    assert {f.indicator_id: f.note for f in view.figures}["nhs_trust_energy_consumption"] == (
        "No figure for this ICB in this release."
    )
    assert all(f.period == "" and period_text(f) == "no figure" for f in view.figures)
    assert not view.has_partner_table and view.partners == []
