"""The civic map (`icb_partners`) and the share of residents under an elected mayor, on the real snapshot build,
against truths the build does not compute: the ONS LSOA 2021 -> ICB and -> district lookups and the district ->
upper-tier lookup read straight from the snapshot with pandas, residents from another Census 2021 table (usual
residents by six age bands, which differ from the build's TS038 totals by ONS's cell perturbation only), mySociety's
register of councils, OHID's own ICB22 catchment file and the ODS trust file."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from pipelines.areas import load_areas

pytestmark = pytest.mark.e2e

ICB_VINTAGES = load_areas().vintages_of("icb")
GREATER_MANCHESTER_ICB = "E54000057"
GMCA = "E47000001"
# perturbed Census cells (at most +/-10 residents an LSOA) move a share of residents by well under this
SHARE_TOLERANCE = 2e-3


@pytest.fixture(scope="module")
def published(built_warehouse):
    release = (built_warehouse / "releases" / "latest").resolve()
    with duckdb.connect(str(release / "ics_baseline.duckdb"), read_only=True) as con:
        yield con


@pytest.fixture(scope="module")
def partners(published) -> pd.DataFrame:
    return published.execute("select * from icb_partners").df()


@pytest.fixture(scope="module")
def lsoas(snapshot_dir) -> pd.DataFrame:
    """Each English LSOA21 with its ICB24, district (LAD24), upper-tier council and residents (age-band table)."""
    icb = pd.read_csv(snapshot_dir / "lookups/lsoa21_sicbl24_icb24_apr2024.csv", usecols=["lsoa21_code", "icb24_code"])
    lad = pd.read_csv(snapshot_dir / "lookups/lsoa21_ward24_lad24_ew.csv", usecols=["lsoa21_code", "ltla24_code"])
    utla = pd.read_csv(snapshot_dir / "lookups/lad23_utla23_ew.csv", usecols=["ltla23_code", "utla23_code"])
    ages = pd.read_csv(snapshot_dir / "population/census2021_lsoa21_age6_usual_residents_ew.csv")
    ages["residents"] = ages.iloc[:, 2:].sum(axis=1)
    ages = ages.rename(columns={"Lower layer Super Output Areas Code": "lsoa21_code"})[["lsoa21_code", "residents"]]
    frame = icb.merge(lad.drop_duplicates(), on="lsoa21_code").merge(ages, on="lsoa21_code")
    frame = frame.merge(utla, left_on="ltla24_code", right_on="ltla23_code")
    return frame[frame.lsoa21_code.str.startswith("E01")]


def test_every_icb_of_every_vintage_has_a_civic_map(published, partners):
    icbs = published.execute("select icb_vintage, icb_code from icbs").df()
    assert set(partners.icb_vintage) == set(ICB_VINTAGES)
    for vintage in ICB_VINTAGES:
        expected = set(icbs.loc[icbs.icb_vintage == vintage, "icb_code"])
        of_vintage = partners[partners.icb_vintage == vintage]
        assert len(expected) == load_areas().expected_areas("icb")[vintage]
        for partner_type in ("upper-tier council", "NHS trust"):
            assert set(of_vintage.loc[of_vintage.partner_type == partner_type, "icb_code"]) == expected, (
                vintage,
                partner_type,
            )
    # every row says how it was made and what the shares are
    assert partners.method.notna().all() and partners.shares_note.notna().all() and partners.as_at.notna().all()


def test_each_council_and_authority_shares_its_residents_out_exactly_once_per_vintage(partners):
    places = partners[partners.partner_type != "NHS trust"]
    sums = places.groupby(["icb_vintage", "partner_type", "partner_code"]).share_of_partner_residents_in_icb.sum()
    assert not sums.empty
    assert (sums - 1).abs().max() < 1e-9
    # and each ICB's upper-tier councils hold all its residents between them
    upper = places[places.partner_type == "upper-tier council"]
    held = upper.groupby(["icb_vintage", "icb_code"]).share_of_icb_residents_in_partner.sum()
    assert (held - 1).abs().max() < 1e-9


def test_councils_shares_and_coterminous_flags_agree_with_the_lookups(partners, lsoas):
    """ICB24 against the ONS lookups read with pandas: which councils overlap which ICB, the shares of residents
    (another Census table) and coterminosity (the same LSOA21s)."""
    icb_lsoas = lsoas.groupby("icb24_code").lsoa21_code.apply(frozenset)
    icb_residents = lsoas.groupby("icb24_code").residents.sum()
    ours = partners[partners.icb_vintage == "ICB24"].set_index(["partner_type", "partner_code", "icb_code"])
    upper_codes = set(lsoas.utla23_code)
    checked = 0
    for partner_type, column in (("upper-tier council", "utla23_code"), ("lower-tier council", "ltla24_code")):
        councils = lsoas if column == "utla23_code" else lsoas[~lsoas.ltla24_code.isin(upper_codes)]
        council_lsoas = councils.groupby(column).lsoa21_code.apply(frozenset)
        council_residents = councils.groupby(column).residents.sum()
        overlaps = councils.groupby([column, "icb24_code"]).residents.sum()
        expected_keys = {(partner_type, code, icb) for code, icb in overlaps.index}
        assert {key for key in ours.index if key[0] == partner_type} == expected_keys
        for (code, icb), residents in overlaps.items():
            row = ours.loc[(partner_type, code, icb)]
            coterminous = council_lsoas[code] == icb_lsoas[icb]
            assert bool(row.is_coterminous) == coterminous, (code, icb)
            assert row.share_of_partner_residents_in_icb == pytest.approx(
                residents / council_residents[code], abs=SHARE_TOLERANCE
            )
            assert row.share_of_icb_residents_in_partner == pytest.approx(
                residents / icb_residents[icb], abs=SHARE_TOLERANCE
            )
            checked += 1
    assert checked > 300


def test_greater_manchester_is_coterminous_with_its_mayoral_combined_authority(published, partners, lsoas):
    gm = partners[(partners.icb_vintage == "ICB24") & (partners.icb_code == GREATER_MANCHESTER_ICB)]
    authority = gm[gm.partner_type == "combined authority"].set_index("partner_code")
    assert list(authority.index) == [GMCA]
    assert bool(authority.loc[GMCA, "is_coterminous"]) and bool(authority.loc[GMCA, "has_elected_mayor"])
    assert authority.loc[GMCA, "share_of_icb_residents_in_partner"] == 1
    # its ten boroughs, as the ONS lookup places them, are its upper-tier councils, and no district council
    boroughs = set(lsoas.loc[lsoas.icb24_code == GREATER_MANCHESTER_ICB, "utla23_code"])
    assert len(boroughs) == 10
    assert set(gm.loc[gm.partner_type == "upper-tier council", "partner_code"]) == boroughs
    assert gm[gm.partner_type == "lower-tier council"].empty
    share = published.execute(
        "select value from icb_indicators where indicator_id = 'icb_residents_under_elected_mayor_share'"
        " and icb_code = ? and icb_vintage = 'ICB24'",
        [GREATER_MANCHESTER_ICB],
    ).fetchone()[0]
    assert share == 1


@pytest.mark.parametrize(("county", "name"), [("E10000014", "Hampshire"), ("E10000030", "Surrey")])
def test_a_county_split_between_icbs_is_listed_in_each_with_its_share(partners, lsoas, county, name):
    rows = partners[
        (partners.icb_vintage == "ICB24")
        & (partners.partner_type == "upper-tier council")
        & (partners.partner_code == county)
    ]
    of_county = lsoas[lsoas.utla23_code == county]
    expected = of_county.groupby("icb24_code").residents.sum() / of_county.residents.sum()
    assert len(expected) > 1  # the county is split in the lookup
    assert set(rows.icb_code) == set(expected.index)
    assert rows.partner_name.unique().tolist() == [name]
    assert rows.is_partner_split_across_icbs.all() and not rows.is_coterminous.any()
    for row in rows.itertuples():
        assert row.share_of_partner_residents_in_icb == pytest.approx(expected[row.icb_code], abs=SHARE_TOLERANCE)
    # its districts are listed as lower-tier councils of the ICBs they lie in
    districts = partners[
        (partners.icb_vintage == "ICB24")
        & (partners.partner_type == "lower-tier council")
        & partners.partner_code.isin(set(of_county.ltla24_code))
    ]
    assert set(districts.partner_code) == set(of_county.ltla24_code)


def test_share_under_an_elected_mayor_agrees_with_the_register(published, lsoas, snapshot_dir):
    """Every authority in the July 2025 register has a directly elected mayor (the North East's two older bodies
    through the North East Mayoral Combined Authority of May 2024), so the share is the ICB's residents living in
    a council the register gives a combined authority (or the GLA)."""
    register = pd.read_csv(snapshot_dir / "reference_la/mysociety_uk_local_authorities_current.csv")
    members = set(register.loc[register["combined-authority"].notna() & register["current-authority"], "gss-code"])
    under = lsoas.ltla24_code.isin(members) | lsoas.utla23_code.isin(members)
    residents = lsoas.groupby("icb24_code").residents.sum()
    expected = lsoas[under].groupby("icb24_code").residents.sum().reindex(residents.index, fill_value=0) / residents
    ours = (
        published.execute(
            "select icb_code, value, method, lower_ci from icb_indicators"
            " where indicator_id = 'icb_residents_under_elected_mayor_share' and icb_vintage = 'ICB24'"
        )
        .df()
        .set_index("icb_code")
    )
    assert set(ours.index) == set(expected.index)
    for code, share in expected.items():
        assert ours.loc[code, "value"] == pytest.approx(share, abs=SHARE_TOLERANCE), code
    assert (ours.method == "lsoa_exact").all() and ours.lower_ci.isna().all()
    # London's five ICBs are wholly under the Mayor of London; some ICBs have no mayor at all
    assert (expected == 1).sum() >= 5 and (expected == 0).sum() > 0
    every_vintage = published.execute(
        "select icb_vintage, count(*) from icb_indicators"
        " where indicator_id = 'icb_residents_under_elected_mayor_share' group by 1"
    ).fetchall()
    assert dict(every_vintage) == load_areas().expected_areas("icb")


def test_acute_trusts_carry_ohids_catchment_share_and_other_trusts_none(partners, snapshot_dir):
    catchment = pd.read_csv(snapshot_dir / "lookups/nhs_trust22_icb22_catchment_share.csv")
    published_share = catchment.set_index(["nhs_trust22_code", "icb22_code"]).proportion_trust_came_from_icb
    trusts = partners[(partners.icb_vintage == "ICB22") & (partners.partner_type == "NHS trust")]
    acute = trusts[trusts.partner_code.isin(set(catchment.nhs_trust22_code))]
    assert len(acute) > 100
    for row in acute.itertuples():
        expected = published_share.get((row.partner_code, row.icb_code), 0.0)
        assert row.share_of_partner_residents_in_icb == pytest.approx(expected, abs=1e-12)
    # a trust's share of the ICB's residents is never invented, and non-acute trusts have no share, with reasons
    assert trusts.share_of_icb_residents_in_partner.isna().all()
    others = trusts[~trusts.partner_code.isin(set(catchment.nhs_trust22_code))]
    assert others.share_of_partner_residents_in_icb.isna().all()
    assert others.shares_note.str.contains("acute trusts only").all()
    # serving trusts drew at least 10% of their admissions from the ICB's residents
    serving = trusts[trusts.relationship.str.startswith("serves")]
    assert (serving.share_of_partner_residents_in_icb >= 0.1).all()


def test_open_trusts_are_listed_in_the_icb_of_their_ods_parent(partners, snapshot_dir):
    ods = pd.read_csv(snapshot_dir / "nhs_ods/ods_etr_nhs_trusts.csv", header=None, dtype=str)
    icb_codes = pd.read_csv(snapshot_dir / "lookups/ICB_names_and_codes_Dec2024_EN.csv")
    parents = dict(zip(icb_codes.ICB24CDH, icb_codes.ICB24CD, strict=True))
    open_english = ods[ods[11].isna() & ods[3].isin(set(parents))]
    expected = {(code, parents[parent]) for code, parent in zip(open_english[0], open_english[3], strict=True)}
    trusts = partners[(partners.icb_vintage == "ICB24") & (partners.partner_type == "NHS trust")]
    headquartered = trusts[trusts.relationship == "headquartered in the ICB"]
    assert set(zip(headquartered.partner_code, headquartered.icb_code, strict=True)) == expected
    assert len(expected) > 200


# ---------------------------------------------------------------------------------------------------------------
# The packs' "NHS as anchor" section (workbook sheet and report section), for a known ICB
# ---------------------------------------------------------------------------------------------------------------

ANCHOR_THEMES = ("anchor institutions", "primary care workforce", "primary care funding")


def _pack_file(built_warehouse, code: str, vintage: str, suffix: str):
    release = (built_warehouse / "releases" / "latest").resolve()
    (path,) = (release / "packs" / vintage.lower()).glob(f"{code}-*.{suffix}")
    return path


def _latest_periods(published, code: str, vintage: str) -> dict[str, str]:
    """Each anchor indicator's latest period with a value for the ICB, straight from the published tables."""
    rows = published.execute(
        """
        select i.indicator_id, i.period
        from icb_indicators as i
        inner join indicators as r on i.indicator_id = r.id
        where i.icb_code = ? and i.icb_vintage = ? and i.value is not null and r.theme in ?
        qualify row_number() over (partition by i.indicator_id order by i.period_start desc, i.period desc) = 1
        """,
        [code, vintage, list(ANCHOR_THEMES)],
    ).fetchall()
    return dict(rows)


def _gaps(published) -> dict[str, tuple[str, str]]:
    rows = published.execute(
        "select id, title, definition from indicators where aggregation = 'gap'"
        " and (theme in ? or domain in ('research and development', 'procurement'))",
        [list(ANCHOR_THEMES)],
    ).fetchall()
    return {row[0]: (row[1], row[2]) for row in rows}


def test_the_workbook_has_an_nhs_as_anchor_sheet_with_periods_gaps_and_the_icbs_partners(
    built_warehouse, published, partners
):
    import openpyxl

    from pipelines.packs.excel import ANCHOR_FIGURE_COLUMNS, ANCHOR_GAP_COLUMNS, ANCHOR_PARTNER_COLUMNS

    code, vintage = GREATER_MANCHESTER_ICB, "ICB24"
    path = _pack_file(built_warehouse, code, vintage, "xlsx")
    rows = list(openpyxl.load_workbook(path, read_only=True)["NHS as anchor"].iter_rows(values_only=True))

    def table(columns) -> list[dict]:
        headers = [header for header, _, _ in columns]
        start = next(i for i, row in enumerate(rows) if list(row[: len(headers)]) == headers)
        out = []
        for row in rows[start + 1 :]:
            if row[0] is None:
                break
            out.append(dict(zip(headers, row, strict=False)))
        return out

    figures = {row["Indicator id"]: row for row in table(ANCHOR_FIGURE_COLUMNS)}
    latest = _latest_periods(published, code, vintage)
    assert latest and set(latest) <= set(figures)
    for indicator_id, period in latest.items():
        assert figures[indicator_id]["Period"] == period, indicator_id
    # ERIC 2019/20 is years old, and the sheet says by how much
    assert figures["nhs_estate_gross_internal_floor_area"]["Period"] == "2019/20"
    assert figures["nhs_estate_gross_internal_floor_area"]["Years before this release"] >= 5
    gaps = {row["Indicator id"]: row for row in table(ANCHOR_GAP_COLUMNS)}
    expected_gaps = _gaps(published)
    assert {"nhs_research_activity", "nhs_trust_spend_over_25k"} <= set(expected_gaps)
    assert set(gaps) == set(expected_gaps)
    for indicator_id, (title, reason) in expected_gaps.items():
        assert gaps[indicator_id]["Gap"] == title
        assert gaps[indicator_id]["What it would show, and why nothing is shown"] == reason
        assert gaps[indicator_id]["Live source"]
    listed = table(ANCHOR_PARTNER_COLUMNS)
    ours = partners[(partners.icb_code == code) & (partners.icb_vintage == vintage)]
    assert sorted(row["Code"] for row in listed) == sorted(ours.partner_code)
    gmca = next(row for row in listed if row["Code"] == GMCA)
    assert gmca["Coterminous with the ICB"] == "Yes" and gmca["Directly elected mayor"] == "Yes"


def test_the_report_has_an_nhs_as_anchor_section_with_periods_gaps_and_the_icbs_partners(
    built_warehouse, published, partners
):
    import html as html_lib
    import re

    code, vintage = GREATER_MANCHESTER_ICB, "ICB24"
    page = _pack_file(built_warehouse, code, vintage, "html").read_text(encoding="utf-8")
    assert '<a href="#anchor">NHS as anchor</a>' in page
    section = re.search(r'<section id="anchor".*?</section>', page, re.S).group(0)
    text = html_lib.unescape(section)
    assert "Who the system works with" in text
    for indicator_id, period in _latest_periods(published, code, vintage).items():
        title = published.execute("select title from indicators where id = ?", [indicator_id]).fetchone()[0]
        row = re.search(re.escape(title) + r".*?<strong>(.*?)</strong>", text, re.S)
        assert row is not None and row.group(1).startswith(period), indicator_id
    for title, reason in _gaps(published).values():
        assert title in text and reason in text
    ours = partners[(partners.icb_code == code) & (partners.icb_vintage == vintage)]
    for name in ours.partner_name:
        assert f'<th scope="row">{name}' in text, name
    partner_tables = re.findall(r'<table class="partners">.*?</table>', text, re.S)
    assert sum(table.count('<th scope="row">') for table in partner_tables) == len(ours)
