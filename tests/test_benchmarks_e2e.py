"""Benchmarks on the real build: comparators, significance, ranks, domain summaries and the README's analyst query.

Each check recomputes the published figure independently (pandas, scipy) from the published ICB figures.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import numpy as np
import pytest
from scipy import stats

pytestmark = pytest.mark.e2e

README = Path(__file__).resolve().parent.parent / "README.md"


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
    for vintage, icbs in (("ICB22", 42), ("ICB24", 42), ("ICB26", 36)):
        assert counts[("england", vintage)] == 1
        assert counts[("nhs_region", vintage)] == 7
        assert counts[("peer_group", vintage)] == icbs


def test_england_is_the_ratio_of_summed_counts_and_the_same_on_every_vintage(published):
    icb = published.execute(
        """
        select icb_vintage, period, sum(numerator) / sum(denominator) * 100 as rate, count(*) as icbs
        from icb_indicators
        where indicator_id = 'claimant_count_rate' and value is not null
        group by all
        """
    ).df()
    england = published.execute(
        """
        select icb_vintage, period, value, members, members_with_value from comparator_values
        where group_type = 'england' and indicator_id = 'claimant_count_rate'
        """
    ).df()
    merged = icb.merge(england, on=["icb_vintage", "period"])
    assert len(merged) == len(england) > 20 * 3
    assert np.allclose(merged.rate, merged.value, rtol=1e-12)
    # LA counts are conserved by apportionment and ICBs tile England, so boundaries do not move England
    by_period = merged.pivot(index="period", columns="icb_vintage", values="value")
    assert np.allclose(by_period.ICB22, by_period.ICB26, rtol=1e-9)
    assert np.allclose(by_period.ICB24, by_period.ICB26, rtol=1e-9)
    # and it is not the mean of the ICB rates
    naive = published.execute(
        """
        select avg(value) from icb_indicators
        where indicator_id = 'claimant_count_rate' and icb_vintage = 'ICB26' and period = '2025'
        """
    ).fetchall()[0][0]
    assert abs(naive - by_period.loc["2025", "ICB26"]) > 0.01


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
    assert len(frame) == 42 + 42 + 36
    assert (frame.peers == 5).all() and not frame.includes_itself.any()
    assert np.allclose(frame.peer_group_value, frame.rate, rtol=1e-12)


def test_wilson_intervals_match_scipy_for_census_counts(published):
    rows = published.execute(
        """
        select numerator, denominator, lower_ci_95, upper_ci_95, lower_ci_998, upper_ci_998
        from icb_indicator_comparisons as c
        inner join icb_indicators as f using (icb_code, icb_vintage, indicator_id, period)
        where c.indicator_id = 'residents_disabled_share' and c.icb_vintage = 'ICB24'
        """
    ).fetchall()
    assert len(rows) == 42
    for numerator, denominator, lower95, upper95, lower998, upper998 in rows:
        assert numerator == int(numerator)  # Census counts: an exact binomial setting for scipy
        test = stats.binomtest(int(numerator), int(denominator))
        ci95 = test.proportion_ci(confidence_level=0.95, method="wilson")
        ci998 = test.proportion_ci(confidence_level=0.998, method="wilson")
        assert (lower95, upper95) == pytest.approx((ci95.low, ci95.high), rel=1e-9)
        assert (lower998, upper998) == pytest.approx((ci998.low, ci998.high), rel=1e-9)


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
    assert per_vintage == {"ICB22": 42, "ICB24": 42, "ICB26": 36}
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
