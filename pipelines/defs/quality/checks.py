"""Blocking asset checks generated from the GX suites in `expectations/`, and the series-break check."""

import dagster as dg
import pandas as pd

from pipelines.areas import AreasRegistry, load_areas
from pipelines.defs.quality.breaks import build_series_break_check
from pipelines.defs.quality.gx_adapter import SuiteFile, load_suite_files, validate_frame
from pipelines.settings import EXPECTATIONS_DIR, Settings
from pipelines.warehouse import connect


def _artefact_label(con, asset_key: tuple[str, ...]) -> str:
    """'source X, file Y' for raw tables, so a failure names where the bad data came from."""
    if len(asset_key) != 2 or asset_key[0] != "raw":
        return ".".join(asset_key)
    rows = con.execute("select file_name from meta.raw_artefacts where source_id = ?", [asset_key[1]]).fetchall()
    return f"source {asset_key[1]}, file {rows[0][0]}" if rows else f"source {asset_key[1]}"


def area_vintages_frame(areas: AreasRegistry) -> pd.DataFrame:
    """The registry's vintages as the relation `area_vintages` suite queries may join (gx_adapter)."""
    rows = [
        {
            "area_type": type_id,
            "area_vintage": vintage_id,
            "expected_areas": vintage.expected_areas,
            "in_force_from": vintage.in_force_from,
        }
        for type_id, vintage_id, vintage in areas.vintages
    ]
    return pd.DataFrame(rows).astype({"expected_areas": "Int64", "in_force_from": "datetime64[s]"})


def build_gx_check(
    suite_file: SuiteFile, settings: Settings, areas: AreasRegistry | None = None
) -> dg.AssetChecksDefinition:
    areas = areas or load_areas(settings.areas_file)
    suite_file = suite_file.with_area_vintages({t: list(a.vintages) for t, a in areas.area_types.items()})
    area_vintages = area_vintages_frame(areas)

    @dg.asset_check(
        asset=dg.AssetKey(list(suite_file.asset_key)),
        name=suite_file.name,
        blocking=suite_file.blocking,
        description=f"Great Expectations suite {suite_file.path.name}: {suite_file.description}".strip(),
    )
    def _gx_check() -> dg.AssetCheckResult:
        with connect(settings.build_database, read_only=True) as con:
            where = _artefact_label(con, suite_file.asset_key)
            con.register("area_vintages", area_vintages)
            frame = con.sql(suite_file.sql).df()
        outcome = validate_frame(frame, suite_file)
        severity = (
            dg.AssetCheckSeverity.ERROR if outcome.blocking_failures or outcome.error else (dg.AssetCheckSeverity.WARN)
        )
        return dg.AssetCheckResult(
            passed=outcome.passed and not outcome.warnings,
            severity=severity,
            description=f"{where}: {outcome.summary}",
            metadata={
                "suite": suite_file.path.name,
                "checked": where,
                "rows": len(frame),
                "evaluated_expectations": outcome.evaluated,
                "blocking_failures": dg.MetadataValue.json(outcome.blocking_failures),
                "warnings": dg.MetadataValue.json(outcome.warnings),
                "error": outcome.error or "",
            },
        )

    return _gx_check


def build_quality_defs(settings: Settings) -> dg.Definitions:
    suites = load_suite_files(EXPECTATIONS_DIR)
    areas = load_areas(settings.areas_file)
    # The series-break check is one generic check over every indicator, not a GX suite: it reads the previous
    # release as well as the build, with thresholds from quality.yaml.
    return dg.Definitions(
        asset_checks=[*(build_gx_check(s, settings, areas) for s in suites), build_series_break_check(settings)]
    )
