"""Benchmarks on the real build: comparators, significance, ranks, domain summaries and the README's analyst query.

Checks against independent truth: the publishers' own England figures and Census counts read straight from the
snapshot files with pandas, and intervals recomputed with scipy.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from pipelines.areas import load_areas

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SOURCES = ROOT / "sources.yaml"
REGISTRY = ROOT / "dbt_project" / "seeds" / "indicator_registry.csv"


@pytest.fixture(scope="module")
def published(built_warehouse):
    con = duckdb.connect(str(built_warehouse / "releases" / "latest" / "ics_baseline.duckdb"), read_only=True)
    yield con
    con.close()


def test_comparison_tables_are_published_on_the_icb_indicators_grain(published):
    figures = published.execute("select count(*) from icb_indicators").fetchall()[0][0]
    comparisons = published.execute(
        "select count(*), count(distinct (icb_code, icb_vintage, indicator_id, period)) from icb_indicator_comparisons"
    ).fetchall()[0]
    assert comparisons == (figures, figures)
    groups = published.execute(
        "select group_type, icb_vintage, count(distinct group_code) from comparator_values group by all"
    ).fetchall()
    counts = {(group_type, vintage): n for group_type, vintage, n in groups}
    for vintage, icbs in load_areas().expected_areas("icb").items():
        assert counts[("england", vintage)] == 1
        assert counts[("nhs_region", vintage)] == 7
        assert counts[("peer_group", vintage)] == icbs


def _publisher_england_rows(snapshot_dir: Path) -> pd.DataFrame:
    """Every England (E92000001) row of every Explore Local Statistics file the registry reads, straight from
    the snapshot CSVs with pandas: the publisher's own figure, independent of the build's SQL."""
    sources = {s["id"]: s for s in yaml.safe_load(SOURCES.read_text())["sources"]}
    registry = pd.read_csv(REGISTRY, dtype=str)
    frames = []
    for row in registry.itertuples(index=False):
        source = sources.get(row.source_id)
        if not isinstance(row.source_id, str) or not row.source_id.startswith("ons_els_") or source is None:
            continue
        raw = pd.read_csv(snapshot_dir / source["snapshot_path"], dtype=str, encoding="utf-8-sig")
        # one file (long-term sickness) spells its headers in capitals and its indicator name with a comma
        raw.columns = [column.strip().lower() for column in raw.columns]
        names = raw.indicator.str.lower().str.replace(r"[^a-z0-9]", "", regex=True)
        wanted = re.sub(r"[^a-z0-9]", "", row.source_indicator_name.lower())
        national = raw[(raw.areacd == "E92000001") & (names == wanted)]
        national = national[pd.to_numeric(national.observation, errors="coerce").notna()]
        frames.append(
            pd.DataFrame(
                {
                    "indicator_id": row.indicator_id,
                    "period_start": pd.to_datetime(national.period.str[:10]).dt.date,
                    "publisher_england": national.observation.astype(float),
                }
            )
        )
    return pd.concat(frames).drop_duplicates(["indicator_id", "period_start"])


def test_england_comparator_is_the_publishers_own_england_figure(published, snapshot_dir):
    truth = _publisher_england_rows(snapshot_dir)
    comparators = published.execute(
        """
        select indicator_id, icb_vintage, period_start, value, value_source from comparator_values
        where group_type = 'england'
        """
    ).df()
    comparators["period_start"] = pd.to_datetime(comparators.period_start).dt.date
    merged = comparators.merge(truth, on=["indicator_id", "period_start"])
    # every indicator-period of an ELS source that has a national row, on every vintage
    assert len(merged) > 300 and merged.indicator_id.nunique() >= 20
    assert (merged.value_source == "publisher").all()
    assert np.allclose(merged.value, merged.publisher_england, rtol=0, atol=1e-9)
    # and the comparisons judge every ICB figure against it
    judged = published.execute(
        """
        select c.indicator_id, c.period_start, c.england_value, c.england_value_source
        from icb_indicator_comparisons as c where c.value is not null
        """
    ).df()
    judged["period_start"] = pd.to_datetime(judged.period_start).dt.date
    judged = judged.merge(truth, on=["indicator_id", "period_start"])
    assert len(judged) > 10_000
    assert (judged.england_value_source == "publisher").all()
    assert np.allclose(judged.england_value, judged.publisher_england, rtol=0, atol=1e-9)


def test_qof_england_and_nhs_region_comparators_are_fingertips_own_rows(published, snapshot_dir):
    """England and the NHS regions for QOF smoking are OHID's own rows of the Fingertips export, read straight
    from the snapshot file (headline rows: no category)."""
    sources = {s["id"]: s for s in yaml.safe_load(SOURCES.read_text())["sources"]}
    raw = pd.read_csv(snapshot_dir / sources["ohid_fingertips_91547_qof_smoking"]["snapshot_path"], dtype=str)
    rows = raw[
        raw["Category Type"].isna()
        & raw["Area Type"].isin(["England", "NHS region", "NHS regions - new due to ICB changes"])
        & pd.to_numeric(raw["Value"], errors="coerce").notna()
    ].drop_duplicates(["Area Code", "Time period"])
    truth = pd.DataFrame(
        {"group_code": rows["Area Code"], "period": rows["Time period"], "fingertips": rows["Value"].astype(float)}
    )
    comparators = published.execute(
        """
        select group_code, period, value, value_source from comparator_values
        where indicator_id = 'smoking_prevalence_qof_15_plus' and group_type in ('england', 'nhs_region')
        """
    ).df()
    merged = comparators.merge(truth, on=["group_code", "period"])
    assert (merged.group_code == "E92000001").any() and merged.group_code.str.startswith("E40").any()
    assert (merged.value_source == "publisher").all()
    assert np.allclose(merged.value, merged.fingertips, rtol=1e-12, atol=0)


def test_rebuilt_england_reconciles_with_the_publisher_within_its_declared_tolerance(published, snapshot_dir):
    truth = _publisher_england_rows(snapshot_dir)
    claimant = truth[truth.indicator_id == "claimant_count_rate"]
    rebuilt = published.execute(
        """
        select icb_vintage, period_start, sum(numerator) / sum(denominator) * 100 as rebuilt, count(*) as icbs
        from icb_indicators
        where indicator_id = 'claimant_count_rate' and value is not null and coverage >= 0.9
        group by all
        """
    ).df()
    rebuilt["period_start"] = pd.to_datetime(rebuilt.period_start).dt.date
    merged = rebuilt.merge(claimant, on="period_start")
    assert len(merged) > 20 * 3
    # the registry declares 4% for the claimant rate (rounded LA rates on mid-2020 weights); ONS's own England
    # figure is published to 0.1
    assert ((merged.rebuilt - merged.publisher_england).abs() <= 0.04 * merged.publisher_england).all()
    # England is the publisher's, so it is the same on every vintage; the rebuilt one moves with boundaries
    # only through apportionment, which conserves LA counts
    by_period = merged.pivot(index="period_start", columns="icb_vintage", values="rebuilt")
    assert np.allclose(by_period.ICB22, by_period.ICB26, rtol=1e-9)
    statuses = dict(
        published.execute(
            "select reconciliation_status, count(*) from comparator_reconciliations group by 1"
        ).fetchall()
    )
    assert statuses.get("within_tolerance", 0) > 300 and statuses.get("outside_tolerance", 0) == 0


def test_no_interval_rests_on_estimated_counts(published):
    rows = published.execute(
        """
        select ci_method, counts_basis, count(*) as figures, count(lower_ci_95) as with_interval,
               count(*) filter (where significance_95 != 'not_compared') as compared
        from icb_indicator_comparisons
        where ci_method in ('wilson', 'byar') and value is not null
        group by all
        """
    ).df()
    estimated = rows[~rows.counts_basis.isin(["observed", "apportioned"])]
    assert estimated.with_interval.sum() == 0 and estimated.compared.sum() == 0
    assert rows[rows.counts_basis.isin(["observed", "apportioned"])].compared.sum() > 500
    # the LA rates published without counts carry no counts-based interval at all
    none = published.execute(
        """
        select count(*) from icb_indicator_comparisons
        where indicator_id in ('children_in_relative_poverty_ahc', 'claimant_count_rate',
                               'gcse_english_and_maths_by_19', 'apprenticeship_starts_per_100k')
          and (lower_ci_95 is not null or significance_95 != 'not_compared')
        """
    ).fetchall()[0][0]
    assert none == 0


def test_census_qualification_counts_are_the_census_counts(published, snapshot_dir):
    """The ICB numerators and denominators of the Census shares are the Census's own counts: over the ICBs of a
    vintage they add up to England's counts read directly from the Census file (apportioning a split authority
    conserves its counts), and whole-authority ICBs carry them as observed."""
    sources = {s["id"]: s for s in yaml.safe_load(SOURCES.read_text())["sources"]}
    census = pd.read_csv(snapshot_dir / sources["ons_census2021_qualifications_lad21"]["snapshot_path"], dtype=str)
    code, category, count = census.columns[0], census.columns[2], census.columns[-1]
    census = census[census[code].str.startswith("E")]
    census[count] = census[count].astype(int)
    residents_16_plus = census.loc[census[category] != "-8", count].sum()
    level_4 = census.loc[census[category] == "5", count].sum()
    rows = published.execute(
        """
        select icb_vintage, sum(numerator), sum(denominator), list(distinct counts_basis), count(*)
        from icb_indicators where indicator_id = 'census2021_level_4_plus_share' group by 1
        """
    ).fetchall()
    assert len(rows) == 3
    for vintage, numerator, denominator, bases, _icbs in rows:
        assert numerator == pytest.approx(level_4, rel=1e-9), vintage
        assert denominator == pytest.approx(residents_16_plus, rel=1e-9), vintage
        assert set(bases) <= {"observed", "apportioned"} and "observed" in bases


def test_figures_below_the_coverage_floor_are_never_ranked_or_compared(published):
    rows = published.execute(
        """
        select coverage < 0.5 as below_display, coverage < 0.9 as below_compare, count(*) as figures,
               count(value) as shown, count(rank) as ranked, count(quintile) as in_quintile,
               count(*) filter (where significance_95 != 'not_compared') as compared,
               count(*) filter (where trend_direction in ('increasing', 'decreasing')) as trended
        from icb_indicator_comparisons
        where method not in ('not_aggregable')
        group by all
        """
    ).df()
    below = rows[rows.below_compare]
    assert below.figures.sum() > 0  # the floor has something to act on in the real snapshot
    assert below.ranked.sum() == below.in_quintile.sum() == below.compared.sum() == below.trended.sum() == 0
    assert rows[rows.below_display].shown.sum() == 0
    assert rows[~rows.below_compare].ranked.sum() > 10_000


def test_means_of_la_values_are_never_ranked_or_given_a_verdict(published):
    rows = published.execute(
        """
        select indicator_id, count(*) as figures, count(rank) as ranked,
               count(*) filter (where significance_95 != 'not_compared') as compared,
               count(*) filter (where trend_assessment in ('getting_better', 'getting_worse')) as trended
        from icb_indicator_comparisons where method = 'la_population_weighted_mean' and value is not null
        group by 1
        """
    ).df()
    assert {"healthy_life_expectancy_male", "preventable_cvd_mortality_rate", "life_expectancy_at_birth_female"} <= set(
        rows.indicator_id
    )
    assert rows.ranked.sum() == rows.compared.sum() == rows.trended.sum() == 0
    # a within-LA inequality index has no ICB value at all
    inequality = published.execute(
        "select count(value) from icb_indicators where indicator_id like 'life_expectancy_inequality_%'"
    ).fetchall()[0][0]
    assert inequality == 0


def test_region_values_aggregate_the_region_icbs(published):
    rows = published.execute(
        """
        select icbs.nhs_region_code, sum(f.numerator) / sum(f.denominator) as share
        from icb_indicators as f
        inner join icbs on f.icb_code = icbs.icb_code and f.icb_vintage = icbs.icb_vintage
        where f.indicator_id = 'residents_disabled_share' and f.icb_vintage = 'ICB26'
        group by all
        """
    ).fetchall()
    regions = dict(
        published.execute(
            """
            select group_code, value from comparator_values
            where group_type = 'nhs_region' and indicator_id = 'residents_disabled_share' and icb_vintage = 'ICB26'
            """
        ).fetchall()
    )
    assert len(rows) == 7
    for region, share in rows:
        assert regions[region] == pytest.approx(share, rel=1e-12)


def test_peer_group_value_aggregates_the_five_peers_without_the_icb(published):
    frame = published.execute(
        """
        select c.icb_code, c.icb_vintage, c.peer_group_value, sum(f.numerator) / sum(f.denominator) * 100 as rate,
               count(*) as peers, bool_or(p.peer_icb_code = c.icb_code) as includes_itself
        from icb_indicator_comparisons as c
        inner join icb_peers as p on c.icb_code = p.icb_code and c.icb_vintage = p.icb_vintage
        inner join icb_indicators as f
            on p.peer_icb_code = f.icb_code and p.icb_vintage = f.icb_vintage
            and c.indicator_id = f.indicator_id and c.period = f.period
        where c.indicator_id = 'claimant_count_rate' and c.period = '2025'
        group by all
        """
    ).df()
    assert len(frame) == sum(load_areas().expected_areas("icb").values())
    assert (frame.peers == 5).all() and not frame.includes_itself.any()
    assert np.allclose(frame.peer_group_value, frame.rate, rtol=1e-12)


def test_wilson_intervals_match_scipy_on_every_observed_count(published):
    """Every Wilson interval published on observed counts (Census tenure and disability, Census qualifications,
    QOF registers, NHS trusts) is scipy's Wilson interval on those counts, at 95% and 99.8%."""
    rows = published.execute(
        """
        select c.indicator_id, f.numerator, f.denominator, c.unit, c.lower_ci_95, c.upper_ci_95, c.lower_ci_998,
               c.upper_ci_998
        from icb_indicator_comparisons as c
        inner join icb_indicators as f using (icb_code, icb_vintage, indicator_id, period)
        where c.ci_method = 'wilson' and f.counts_basis = 'observed' and c.lower_ci_95 is not null
        """
    ).df()
    whole = rows[(rows.numerator == rows.numerator.round()) & (rows.denominator == rows.denominator.round())]
    assert len(whole) > 500
    assert {"residents_disabled_share", "census2021_level_4_plus_share", "smoking_prevalence_qof_15_plus"} <= set(
        whole.indicator_id
    )
    for row in whole.itertuples():
        scale = 100 if row.unit == "percent" else 1
        test = stats.binomtest(int(row.numerator), int(row.denominator))
        ci95 = test.proportion_ci(confidence_level=0.95, method="wilson")
        ci998 = test.proportion_ci(confidence_level=0.998, method="wilson")
        assert (row.lower_ci_95, row.upper_ci_95) == pytest.approx((scale * ci95.low, scale * ci95.high), rel=1e-9)
        assert (row.lower_ci_998, row.upper_ci_998) == pytest.approx((scale * ci998.low, scale * ci998.high), rel=1e-9)


def test_significance_uses_the_interval_and_polarity(published):
    frame = published.execute(
        """
        select significance_95, polarity, value, england_value, lower_ci_95, upper_ci_95
        from icb_indicator_comparisons where significance_95 != 'not_compared'
        """
    ).df()
    assert set(frame.significance_95) == {"better", "similar", "worse"}
    higher = frame.lower_ci_95 > frame.england_value
    lower = frame.upper_ci_95 < frame.england_value
    good_side = np.where(frame.polarity == "higher_is_better", higher, lower)
    bad_side = np.where(frame.polarity == "higher_is_better", lower, higher)
    expected = np.select([good_side, bad_side], ["better", "worse"], "similar")
    assert (frame.significance_95.to_numpy() == expected).all()


def test_ranks_put_the_best_value_first_by_polarity(published):
    frame = published.execute(
        """
        select icb_vintage, indicator_id, period, polarity, value, rank, rank_of, quintile
        from icb_indicator_comparisons where rank is not null
        """
    ).df()
    for (vintage, indicator, period), group in frame.groupby(["icb_vintage", "indicator_id", "period"]):
        best = group.value.max() if group.polarity.iloc[0] == "higher_is_better" else group.value.min()
        assert (group.loc[group["rank"] == 1, "value"] == best).all(), (vintage, indicator, period)
        assert group.rank_of.iloc[0] == len(group)
    assert set(frame.quintile) == {1, 2, 3, 4, 5}
    counts = published.execute(
        "select count(*) from icb_indicator_comparisons c join indicators i on i.id = c.indicator_id "
        "where c.rank is not null and i.aggregation in ('sum', 'sum_by_organisation_hq')"
    ).fetchall()[0][0]
    assert counts == 0


def test_domain_summaries_add_up_to_the_latest_figures(published):
    bad = published.execute(
        """
        select * from icb_domain_summaries
        where significantly_better + not_significantly_different + significantly_worse + not_compared
              != indicators_with_figures
           or indicators_with_figures > indicators_registered
        """
    ).fetchall()
    assert bad == []
    per_vintage = dict(
        published.execute(
            "select icb_vintage, count(distinct icb_code) from icb_domain_summaries group by 1"
        ).fetchall()
    )
    assert per_vintage == load_areas().expected_areas("icb")
    worse = published.execute(
        "select sum(significantly_worse) from icb_domain_summaries where icb_vintage = 'ICB24'"
    ).fetchall()[0][0]
    assert worse > 0


def test_readme_analyst_query_answers_worse_than_england_and_getting_worse(published):
    text = README.read_text()
    query = re.search(r"<!-- analyst-query:worse-than-england -->\n```sql\n(.*?)```", text, re.S)
    assert query, "the README's analyst query block is missing"
    frame = published.execute(query.group(1)).df()
    assert len(frame) > 5
    assert {"title", "value", "england_value", "trend_assessment"} <= set(frame.columns)
    assert set(frame.trend_assessment) <= {
        "getting_better",
        "getting_worse",
        "no_significant_change",
        "insufficient_points",
        "not_tested",
    }
