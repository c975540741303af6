"""Implausible breaks in a series block publication, naming the source, the indicator and the period.

End to end: one build over a snapshot mirror in which four sources changed the way publishers do without notice
(tests/bad_inputs/series.py), on top of a warehouse holding a good release, must fail with the series-break
check naming each, and leave the previous release byte-identical. The real snapshot must pass the same check.
The unit tests below give `find_series_breaks` hand-made series whose answer is known.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.defs.quality.breaks import describe_breaks, find_series_breaks
from pipelines.quality_thresholds import SeriesBreakThresholds, load_thresholds
from tests.bad_inputs.series import (
    CLAIMANT_FILE,
    EMPLOYMENT_FILE,
    GDHI_FILE,
    KS2_FILE,
    link_mirror,
    repeat_previous_period,
    rewrite_els,
    scale,
)
from tests.conftest import run_cli
from tests.test_bad_input_blocks_publication import _tree_digest

LIMITS = SeriesBreakThresholds(scale_factor=10, repeated_share=0.9, min_figures=10)


# -- end to end ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def broken_series_build(built_warehouse, snapshot_dir, tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("warehouse_series_breaks")
    # the whole warehouse, build database included, so the build is incremental (only the changed sources)
    shutil.copytree(built_warehouse, warehouse, symlinks=True, dirs_exist_ok=True)
    before = _tree_digest(warehouse / "releases")
    latest_before = (warehouse / "releases" / "latest").readlink().name
    mirror = link_mirror(snapshot_dir, tmp_path_factory.mktemp("series_breaks") / "snapshot")
    # 1. The latest employment rates published as proportions (0.745 for 74.5%), intervals too.
    rewrite_els(snapshot_dir, mirror, EMPLOYMENT_FILE, scale(0.01, "2023-01-01/P1Y", "Employment rate"))
    # 2. Every KS2 figure of the series republished as a proportion: no break inside the series, only against
    #    what the previous release published.
    rewrite_els(snapshot_dir, mirror, KS2_FILE, scale(0.01))
    # 3. The latest GDHI per head in thousands of pounds.
    rewrite_els(snapshot_dir, mirror, GDHI_FILE, scale(0.001, "2023-01-01/P1Y"))
    # 4. The 2024 claimant count rates republished as 2025's.
    rewrite_els(snapshot_dir, mirror, CLAIMANT_FILE, repeat_previous_period("2025-01-01/P1Y", "2024-01-01/P1Y"))
    result = run_cli("build", "--snapshot", str(mirror), "--warehouse", str(warehouse))
    return result, warehouse, before, latest_before


def _break_line(result) -> str:
    lines = [ln for ln in result.stderr.splitlines() if "marts/icb_indicators / series_breaks failed" in ln]
    assert len(lines) == 1, result.stdout + result.stderr
    return lines[0]


def test_breaks_block_publication_and_the_previous_release_is_byte_identical(broken_series_build):
    result, warehouse, before, latest_before = broken_series_build
    assert result.returncode == 1, result.stdout + result.stderr
    assert "publication blocked" in result.stderr
    assert "(blocking)" in _break_line(result)
    assert (warehouse / "releases" / "latest").readlink().name == latest_before
    assert _tree_digest(warehouse / "releases") == before
    assert sorted(p.name for p in (warehouse / "releases").iterdir()) == sorted(["latest", latest_before])


def test_latest_period_as_a_proportion_names_source_indicator_and_period(broken_series_build):
    line = _break_line(broken_series_build[0])
    assert (
        "source ons_els_employment_rate, indicator employment_rate_16_64, period 2023: figures about 100 times smaller"
        " than period 2022's" in line
    )
    # The economic inactivity rates in the same file were left alone, and are not blamed.
    assert "economic_inactivity_rate_16_64" not in line


def test_whole_series_as_a_proportion_is_caught_against_the_previous_release(broken_series_build):
    result, _, _, latest_before = broken_series_build
    line = _break_line(result)
    assert (
        "source ons_els_ks2_expected_standard, indicator ks2_expected_standard, period 2018/19: figures about 100 times"
        f" smaller than in release {latest_before}" in line
    )
    # Inside itself the rescaled series is smooth: no within-series break is claimed for it.
    assert "ks2_expected_standard, period 2019/20: figures about 100 times smaller than period" not in line


def test_thousand_fold_scale_change_names_source_indicator_and_period(broken_series_build):
    line = _break_line(broken_series_build[0])
    assert (
        "source ons_els_gdhi_per_head, indicator gdhi_per_head, period 2023: figures about 1,000 times smaller than"
        " period 2022's" in line
    )


def test_repeated_period_names_source_indicator_and_period(broken_series_build):
    line = _break_line(broken_series_build[0])
    assert "source ons_els_claimant_count, indicator claimant_count_rate, period 2025:" in line
    assert "ICB figures repeat period 2024's exactly" in line


def test_the_real_snapshot_has_no_break(built_warehouse):
    manifest = json.loads((built_warehouse / "releases" / "latest" / "manifest.json").read_text(encoding="utf-8"))
    check = next(c for c in manifest["checks"] if c["check"] == "series_breaks")
    assert check == {**check, "asset": "marts/icb_indicators", "passed": True}
    assert check["description"] == "no implausible break in any series"


# -- the detector on hand-made series ----------------------------------------------------------------------------


def _database(tmp_path: Path, name: str, figures: list[tuple]) -> Path:
    """A database with marts.icb_indicators (or, for a release, icb_indicators) holding `figures`:
    (source_id, indicator_id, unit, icb_code, period, year, value)."""
    path = tmp_path / f"{name}.duckdb"
    with duckdb.connect(str(path)) as con:
        table = "icb_indicators"
        if name == "build":
            con.execute("create schema marts")
            table = "marts.icb_indicators"
        con.execute(
            f"create table {table} (source_id varchar, indicator_id varchar, unit varchar, icb_code varchar,"
            " icb_vintage varchar, period varchar, period_start date, value double)"
        )
        con.executemany(
            f"insert into {table} values (?, ?, ?, ?, 'ICB24', ?, make_date(?, 1, 1), ?)",
            [list(f) for f in figures],
        )
    return path


def _series(values_by_year: dict[int, list[float | None]], source="src", indicator="ind", unit="percent"):
    return [
        (source, indicator, unit, f"E54{i:06d}", str(year), year, value)
        for year, values in values_by_year.items()
        for i, value in enumerate(values)
    ]


def _breaks(tmp_path, figures, previous=None):
    build = _database(tmp_path, "build", figures)
    previous_db = _database(tmp_path, "previous", previous) if previous is not None else None
    with duckdb.connect(str(build), read_only=True) as con:
        return find_series_breaks(con, LIMITS, previous_db, "R1" if previous_db else None)


ICBS = [50.0 + i for i in range(12)]


def test_a_genuine_doubling_is_not_a_break(tmp_path):
    # The claimant count rate of 2020 was 2.1 times 2019's across England: real, and far below 10 times.
    assert _breaks(tmp_path, _series({2019: ICBS, 2020: [2.1 * v for v in ICBS]})) == []


def test_one_icb_jumping_is_not_a_break_of_the_series(tmp_path):
    jumped = [*(v + 1 for v in ICBS[:-1]), ICBS[-1] * 100]
    assert _breaks(tmp_path, _series({2019: ICBS, 2020: jumped})) == []


def test_a_period_a_hundred_times_smaller_is_a_break(tmp_path):
    found = _breaks(tmp_path, _series({2018: ICBS, 2019: [v + 1 for v in ICBS], 2020: [(v + 1) / 100 for v in ICBS]}))
    assert [(b.source_id, b.indicator_id, b.period, b.kind) for b in found] == [
        ("src", "ind", "2020", "scale_within_series")
    ]
    assert "figures about 100 times smaller than period 2019's" in found[0].message


def test_a_period_a_thousand_times_larger_is_a_break(tmp_path):
    found = _breaks(tmp_path, _series({2019: ICBS, 2020: [v * 1000 for v in ICBS]}))
    assert [b.period for b in found] == ["2020"] and "about 1,000 times larger" in found[0].message


def test_too_few_figures_say_nothing(tmp_path):
    few = ICBS[: LIMITS.min_figures - 1]
    assert _breaks(tmp_path, _series({2019: few, 2020: [v / 100 for v in few]})) == []


def test_a_repeated_period_is_a_break_and_a_near_repeat_is_not(tmp_path):
    found = _breaks(tmp_path, _series({2019: ICBS, 2020: list(ICBS)}))
    assert [(b.period, b.kind) for b in found] == [("2020", "repeated_period")]
    assert "12 of 12 ICB figures repeat period 2019's exactly" in found[0].message
    # 10 of 12 repeating (83%) is under the declared 90%.
    partly = [*ICBS[:10], ICBS[10] + 0.1, ICBS[11] + 0.1]
    (tmp_path / "partly").mkdir()
    assert _breaks(tmp_path / "partly", _series({2019: ICBS, 2020: partly})) == []


def test_repeated_zeros_are_not_a_republished_period(tmp_path):
    assert _breaks(tmp_path, _series({2019: [0.0] * 12, 2020: [0.0] * 12})) == []


def test_a_whole_series_rescaled_is_caught_against_the_previous_release(tmp_path):
    old = _series({2019: ICBS, 2020: [v + 1 for v in ICBS]})
    new = _series({2019: [v / 100 for v in ICBS], 2020: [(v + 1) / 100 for v in ICBS]})
    found = _breaks(tmp_path, new, previous=old)
    assert [(b.period, b.kind) for b in found] == [("2019", "scale_against_release"), ("2020", "scale_against_release")]
    assert "figures about 100 times smaller than in release R1" in found[0].message


def test_a_unit_changed_on_purpose_is_not_compared_with_the_previous_release(tmp_path):
    old = _series({2019: [v / 100 for v in ICBS]}, unit="proportion")
    new = _series({2019: ICBS}, unit="percent")
    assert _breaks(tmp_path, new, previous=old) == []


def test_the_description_names_each_series_once_with_all_its_periods(tmp_path):
    old = _series({year: ICBS for year in range(2015, 2021)})
    new = _series({year: [v / 100 for v in ICBS] for year in range(2015, 2021)})
    new += _series({2019: ICBS, 2020: ICBS}, source="other", indicator="flat")
    text = describe_breaks(_breaks(tmp_path, new, previous=old))
    assert text.startswith("source other, indicator flat, period 2020: 12 of 12 ICB figures repeat period 2019's")
    assert "; source src, indicator ind, period 2015: figures about 100 times smaller than in release R1" in text
    assert text.endswith("(the same in periods 2016, 2017, 2018, 2019, 2020)")
    assert describe_breaks([]) == "no implausible break in any series"


def test_the_declared_thresholds_are_the_ones_documented():
    declared = load_thresholds()
    assert declared.series_breaks == LIMITS
    assert declared.revisions.tolerance == 0.001 and declared.revisions.hold_share == 0.5
