"""The GX -> asset-check adapter: real GX validations on small frames; it must fail closed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipelines.defs.quality.gx_adapter import (
    SuiteFileError,
    load_suite_file,
    load_suite_files,
    validate_frame,
)
from tests.conftest import PROJECT_ROOT


def _suite(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "suite.yml"
    path.write_text(body)
    return path


CODES_SUITE = """
name: codes
asset: raw/example
expectations:
  - type: expect_column_values_to_match_regex
    kwargs: {column: code, regex: '^E01\\d{6}$'}
  - type: expect_column_values_to_be_between
    kwargs: {column: share, min_value: 0, max_value: 1}
    severity: warning
"""


def test_a_good_frame_passes(tmp_path):
    suite = load_suite_file(_suite(tmp_path, CODES_SUITE))
    outcome = validate_frame(pd.DataFrame({"code": ["E01000001", "E01000002"], "share": [0.1, 0.9]}), suite)
    assert outcome.passed and outcome.evaluated == 2 and not outcome.warnings


def test_a_bad_code_is_a_blocking_failure_that_names_the_column_and_values(tmp_path):
    suite = load_suite_file(_suite(tmp_path, CODES_SUITE))
    outcome = validate_frame(pd.DataFrame({"code": ["E01000001", "QYG"], "share": [0.1, 0.9]}), suite)
    assert not outcome.passed
    [failure] = outcome.blocking_failures
    assert failure["kwargs"]["column"] == "code" and failure["unexpected_count"] == 1
    assert "column 'code'" in outcome.summary and "QYG" in outcome.summary


def test_a_warning_failure_does_not_block(tmp_path):
    suite = load_suite_file(_suite(tmp_path, CODES_SUITE))
    outcome = validate_frame(pd.DataFrame({"code": ["E01000001"], "share": [1.5]}), suite)
    assert outcome.passed
    assert [w["kwargs"]["column"] for w in outcome.warnings] == ["share"]


def test_an_expectation_that_crashes_inside_gx_fails_closed(tmp_path):
    suite = load_suite_file(_suite(tmp_path, CODES_SUITE))
    # No 'code' column: GX reports a metric-resolution exception rather than raising.
    outcome = validate_frame(pd.DataFrame({"other": ["x"], "share": [0.5]}), suite)
    assert not outcome.passed
    assert any(f["raised_exception"] for f in outcome.blocking_failures)


def test_a_crashing_warning_expectation_still_blocks(tmp_path):
    suite = load_suite_file(_suite(tmp_path, CODES_SUITE))
    outcome = validate_frame(pd.DataFrame({"code": ["E01000001"]}), suite)  # 'share' missing
    assert not outcome.passed


def test_an_unknown_expectation_type_fails_closed(tmp_path):
    body = "name: bad\nasset: raw/x\nexpectations:\n  - type: expect_the_moon_to_be_cheese\n"
    outcome = validate_frame(pd.DataFrame({"a": [1]}), load_suite_file(_suite(tmp_path, body)))
    assert not outcome.passed and outcome.error


def test_suite_files_are_validated(tmp_path):
    with pytest.raises(SuiteFileError, match="missing 'asset'"):
        load_suite_file(_suite(tmp_path, "name: x\nexpectations: [{type: a}]\n"))
    with pytest.raises(SuiteFileError, match="severity"):
        load_suite_file(_suite(tmp_path, "name: x\nasset: a/b\nexpectations: [{type: a, severity: loud}]\n"))
    with pytest.raises(SuiteFileError, match="non-empty list"):
        load_suite_file(_suite(tmp_path, "name: x\nasset: a/b\nexpectations: []\n"))


def test_every_project_suite_loads_and_builds_a_gx_suite():
    from pipelines.defs.quality.gx_adapter import build_suite

    suites = load_suite_files(PROJECT_ROOT / "expectations")
    assert len(suites) >= 15
    for suite_file in suites:
        assert len(build_suite(suite_file).expectations) == len(suite_file.expectations), suite_file.name


VINTAGES_SUITE = """
name: vintages
asset: marts/icbs
expectations:
  - type: expect_column_distinct_values_to_equal_set
    kwargs: {column: icb_vintage, value_set: {area_vintages: icb}}
"""


def test_a_suite_takes_its_list_of_vintages_from_the_areas_registry(tmp_path):
    suite = load_suite_file(_suite(tmp_path, VINTAGES_SUITE))
    declared = suite.with_area_vintages({"icb": ["ICB22", "ICB24", "ICB27"]})
    assert declared.expectations[0]["kwargs"]["value_set"] == ["ICB22", "ICB24", "ICB27"]
    assert validate_frame(pd.DataFrame({"icb_vintage": ["ICB22", "ICB24", "ICB27"]}), declared).passed
    # a vintage the registry does not declare, or one it declares missing, fails the suite
    assert not validate_frame(pd.DataFrame({"icb_vintage": ["ICB22", "ICB24", "ICB26"]}), declared).passed
    with pytest.raises(SuiteFileError, match="no area type 'ward' in the areas registry"):
        load_suite_file(_suite(tmp_path, VINTAGES_SUITE.replace("icb}", "ward}"))).with_area_vintages({"icb": []})
