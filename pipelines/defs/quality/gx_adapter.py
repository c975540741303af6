"""A thin adapter from Great Expectations 1.x suites to blocking Dagster asset checks.

Suites live as YAML in `expectations/`. GX's SQL datasource fails on DuckDB, so the checked table (or the suite's
own query) is pulled into a pandas DataFrame and validated there. The adapter fails closed: a GX exception, an
expectation that raised while computing its metric, or a suite that evaluated nothing is a failed check, never a
pass. GX is imported lazily because its import costs seconds and most code paths never need it.

Suites never list boundary vintages or their counts themselves: the registry of areas (areas.yaml) gives them. A
suite's query may join the relation `area_vintages` (area_type, area_vintage, expected_areas, in_force_from: one
row per vintage the build's registry declares), and an expectation argument written `{area_vintages: TYPE}` is the
list of the registry's vintages of that area type (`SuiteFile.with_area_vintages`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

SEVERITIES = ("critical", "warning", "info")


class SuiteFileError(ValueError):
    """An expectations file is malformed."""


@dataclass(frozen=True)
class SuiteFile:
    path: Path
    name: str
    asset_key: tuple[str, ...]
    description: str
    query: str | None
    expectations: list[dict[str, Any]]
    blocking: bool = True

    @property
    def table(self) -> str:
        """The checked asset's table, from its key (raw/x -> raw.x, marts/y -> marts.y)."""
        return ".".join(f'"{part}"' for part in self.asset_key)

    @property
    def sql(self) -> str:
        return self.query or f"select * from {self.table}"

    def with_area_vintages(self, vintages_of: dict[str, list[str]]) -> SuiteFile:
        """The suite with each argument `{area_vintages: TYPE}` replaced by the registry's vintages of TYPE."""

        def resolve(value: Any, where: str) -> Any:
            if isinstance(value, dict) and set(value) == {"area_vintages"}:
                area_type = value["area_vintages"]
                if area_type not in vintages_of:
                    raise SuiteFileError(f"{self.path.name}: {where}: no area type {area_type!r} in the areas registry")
                return list(vintages_of[area_type])
            return value

        expectations = [
            {**e, "kwargs": {k: resolve(v, f"{e['type']} {k}") for k, v in e["kwargs"].items()}}
            for e in self.expectations
        ]
        return replace(self, expectations=expectations)


@dataclass
class CheckOutcome:
    passed: bool
    blocking_failures: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    evaluated: int = 0
    error: str | None = None

    @property
    def summary(self) -> str:
        if self.error:
            return f"validation could not run: {self.error}"
        if not self.blocking_failures and not self.warnings:
            return f"{self.evaluated} expectations met"
        parts = [_describe_failure(f) for f in self.blocking_failures + self.warnings]
        return "; ".join(parts)


def _describe_failure(failure: dict[str, Any]) -> str:
    kwargs = failure.get("kwargs", {})
    where = kwargs.get("column") or kwargs.get("column_list") or kwargs.get("column_A") or "table"
    detail = failure.get("unexpected_count")
    text = f"column {where!r}: {failure['expectation']}"
    if failure.get("raised_exception"):
        text += f" raised {failure.get('exception_message')}"
    elif detail is not None:
        text += f" failed for {detail} rows"
        sample = failure.get("partial_unexpected_list")
        if sample:
            text += f" (e.g. {sample[:3]})"
    elif failure.get("observed_value") is not None:
        text += f" observed {failure['observed_value']!r}"
    return text + f" [{failure['severity']}]"


def load_suite_file(path: Path) -> SuiteFile:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SuiteFileError(f"{path.name}: not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise SuiteFileError(f"{path.name}: expected a mapping")
    for key in ("name", "asset", "expectations"):
        if key not in doc:
            raise SuiteFileError(f"{path.name}: missing '{key}'")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", doc["name"]):
        raise SuiteFileError(f"{path.name}: name must be snake_case, got {doc['name']!r}")
    expectations = doc["expectations"]
    if not isinstance(expectations, list) or not expectations:
        raise SuiteFileError(f"{path.name}: 'expectations' must be a non-empty list")
    for i, exp in enumerate(expectations):
        if not isinstance(exp, dict) or "type" not in exp:
            raise SuiteFileError(f"{path.name}: expectation #{i + 1} needs a 'type'")
        severity = exp.setdefault("severity", "critical")
        if severity not in SEVERITIES:
            raise SuiteFileError(f"{path.name}: expectation #{i + 1} severity must be one of {SEVERITIES}")
        exp.setdefault("kwargs", {})
    return SuiteFile(
        path=path,
        name=doc["name"],
        asset_key=tuple(doc["asset"].split("/")),
        description=doc.get("description", ""),
        query=doc.get("query"),
        expectations=expectations,
        blocking=bool(doc.get("blocking", True)),
    )


def load_suite_files(folder: Path) -> list[SuiteFile]:
    suites = [load_suite_file(p) for p in sorted(folder.glob("*.yml"))]
    names = [s.name for s in suites]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise SuiteFileError(f"duplicate suite names in {folder}: {sorted(duplicates)}")
    return suites


def build_suite(suite_file: SuiteFile):
    import great_expectations as gx

    return gx.ExpectationSuite(
        name=suite_file.name,
        expectations=[
            {"type": e["type"], "kwargs": dict(e["kwargs"]), "severity": e["severity"]} for e in suite_file.expectations
        ],
    )


def validate_frame(frame: pd.DataFrame, suite_file: SuiteFile) -> CheckOutcome:
    """Validate `frame` against the suite; any exception inside GX is a failed outcome."""
    try:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        batch_definition = (
            context.data_sources.add_pandas("frames")
            .add_dataframe_asset(name=suite_file.name)
            .add_batch_definition_whole_dataframe("whole_frame")
        )
        suite = context.suites.add(build_suite(suite_file))
        result = batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(suite)
    except Exception as exc:  # fail closed: GX crashing is never a pass
        return CheckOutcome(passed=False, error=f"{type(exc).__name__}: {exc}")
    return outcome_from_result(result)


def outcome_from_result(result: Any) -> CheckOutcome:
    outcome = CheckOutcome(passed=True, evaluated=int(result.statistics.get("evaluated_expectations", 0)))
    for r in result.results:
        raised, exception_message = _raised_exception(r.exception_info)
        if r.success and not raised:
            continue
        config = r.expectation_config
        severity = str(getattr(config, "severity", "critical")).split(".")[-1].lower()
        failure = {
            "expectation": config.type,
            "kwargs": {k: v for k, v in config.kwargs.items() if k != "batch_id"},
            "severity": severity,
            "unexpected_count": (r.result or {}).get("unexpected_count"),
            "partial_unexpected_list": (r.result or {}).get("partial_unexpected_list"),
            "observed_value": _jsonable((r.result or {}).get("observed_value")),
            "raised_exception": raised,
            "exception_message": exception_message,
        }
        # A GX error is a failure whatever the expectation's declared severity.
        if severity == "critical" or raised:
            outcome.blocking_failures.append(failure)
        else:
            outcome.warnings.append(failure)
    if outcome.evaluated == 0:
        outcome.error = "no expectations were evaluated"
    outcome.passed = not outcome.blocking_failures and outcome.error is None
    return outcome


def _raised_exception(exception_info: Any) -> tuple[bool, str | None]:
    """GX reports errors either flat ({raised_exception, exception_message}) or keyed by metric id."""
    if not isinstance(exception_info, dict):
        return False, None
    candidates = [exception_info, *(v for v in exception_info.values() if isinstance(v, dict))]
    for info in candidates:
        if info.get("raised_exception"):
            message = str(info.get("exception_message") or "unknown error").splitlines()[0][:300]
            return True, message
    return False, None


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value][:20]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in list(value.items())[:20]}
    return str(value)
