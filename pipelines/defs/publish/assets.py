"""The publish step: downstream of every blocking check, it turns the checked build into a release."""

import json
from typing import Any

import dagster as dg
from pydantic import Field

from pipelines.custom_areas import CUSTOM_AREAS_SOURCE_ID
from pipelines.incremental import carry_over_base, code_fingerprint, loaded_custom_areas, write_marker
from pipelines.last_good import remember_published
from pipelines.quality_thresholds import load_thresholds
from pipelines.registry import load_registry
from pipelines.release import PUBLISHED_TABLES, latest_release, publish_release
from pipelines.revisions import describe_hold, measure_revisions
from pipelines.settings import Settings

# Every dbt model a release copies is upstream of the release (meta.raw_artefacts is written by the raw assets,
# which are upstream of everything).
PUBLISHED_MART_KEYS = [
    dg.AssetKey(source.split("."))
    for source, _ in PUBLISHED_TABLES.values()
    if source.split(".")[0] in {"marts", "intermediate"}
] + [dg.AssetKey(["marts", "source_data_periods"])]  # read into the published source_freshness table


def run_check_evaluations(context: dg.AssetExecutionContext) -> list[dict[str, Any]]:
    records = context.instance.all_logs(context.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    evaluations = []
    for record in records:
        evaluation = record.dagster_event.event_specific_data
        evaluations.append(
            {
                "asset": evaluation.asset_key.to_user_string(),
                "check": evaluation.check_name,
                "passed": bool(evaluation.passed),
                "severity": evaluation.severity.value,
                "description": evaluation.description or "",
            }
        )
    return sorted(evaluations, key=lambda e: (e["asset"], e["check"]))


def carried_over_checks(
    settings: Settings,
    run_id: str,
    not_rebuilt: set[dg.AssetKey],
    rebuilt: set[str],
    evaluated: set[tuple[str, str]],
) -> list[dict[str, Any]]:
    """The latest release's check results for every asset this run did not rebuild."""
    latest = latest_release(settings.releases_dir)
    base = carry_over_base(settings, run_id, latest.name if latest else None)
    if base is None:
        assets = ", ".join(sorted(k.to_user_string() for k in not_rebuilt)[:5])
        raise dg.Failure(
            f"this run rebuilt only part of the warehouse ({len(not_rebuilt)} checked assets not rebuilt, e.g."
            f" {assets}) and the rest is not known to match the latest release (a later run changed it or none"
            " was published): run a full build"
        )
    manifest = json.loads((latest / "manifest.json").read_text(encoding="utf-8"))
    return [
        {**check, "carried_over_from": check.get("carried_over_from") or base}
        for check in manifest.get("checks", [])
        if check["asset"] not in rebuilt and (check["asset"], check["check"]) not in evaluated
    ]


class PublishConfig(dg.Config):
    """Run config of `publish/release`: the Dagster equivalent of `ics-baseline build --accept-revisions`."""

    accept_revisions: list[str] = Field(
        default_factory=list, description="source ids (or 'all') whose mass revision may be published"
    )


def build_publish_defs(settings: Settings, required_checks: list[dg.AssetCheckKey]) -> dg.Definitions:
    @dg.asset(
        key=["publish", "release"],
        group_name="publish",
        deps=PUBLISHED_MART_KEYS,
        kinds={"duckdb", "parquet", "csv"},
        description=(
            "Write-audit-publish: copies the checked marts into warehouse/releases/<release_id>/ (DuckDB, CSV,"
            " Parquet, manifest.json) and moves releases/latest to it. Publishes only when every check of this"
            f" run passed. Tables: {', '.join(PUBLISHED_TABLES)}."
        ),
    )
    def release(context: dg.AssetExecutionContext, config: PublishConfig) -> dg.MaterializeResult:
        # Blocking checks already stop this step inside a full run; checking again here means that
        # materialising `publish/release` on its own can never publish data nobody checked.
        evaluations = run_check_evaluations(context)
        blocking = [e for e in evaluations if not e["passed"] and e["severity"] == "ERROR"]
        if blocking:
            lines = "\n".join(f"  {e['asset']} / {e['check']}: {e['description']}" for e in blocking)
            raise dg.Failure(f"publication blocked by failed checks:\n{lines}")
        evaluated = {(e["asset"], e["check"]) for e in evaluations}
        # A run that rebuilt only some assets (one changed source and what depends on it) checks only those;
        # the others are unchanged since the latest release, so its checks of them still hold.
        selection = context.run.asset_selection
        unevaluated = {k.asset_key for k in required_checks if (k.asset_key.to_user_string(), k.name) not in evaluated}
        not_rebuilt = unevaluated - set(selection) if selection else set()
        carried = []
        if not_rebuilt:
            rebuilt = {key.to_user_string() for key in selection}
            carried = carried_over_checks(settings, context.run_id, not_rebuilt, rebuilt, evaluated)
        missing = [
            f"{k.asset_key.to_user_string()} / {k.name}"
            for k in required_checks
            if (k.asset_key.to_user_string(), k.name) not in evaluated and k.asset_key not in not_rebuilt
        ]
        if missing:
            raise dg.Failure(
                "publication needs every data-quality check evaluated in the same run; not evaluated: "
                + ", ".join(missing)
            )
        # A source most of whose figures moved since the previous release waits for someone to accept it.
        revisions = measure_revisions(
            settings.build_database,
            latest_release(settings.releases_dir),
            load_thresholds().revisions,
            accepted=settings.accept_revisions | set(config.accept_revisions),
        )
        if revisions["held"]:
            raise dg.Failure(describe_hold(revisions))
        published = publish_release(
            settings.build_database,
            settings.releases_dir,
            checks=evaluations + carried,
            fetch_mode=settings.fetch_mode,
            revisions=revisions,
            registry=load_registry(settings.sources_file),
            today=settings.today,
        )
        inputs = {source["source_id"]: source["sha256"] for source in published.manifest["sources"]}
        inputs[CUSTOM_AREAS_SOURCE_ID] = loaded_custom_areas(settings)
        registries = (settings.sources_file, settings.areas_file)
        write_marker(settings, published.release_id, code_fingerprint(registries=registries), inputs)
        context.log.info(f"published release {published.release_id} at {published.path}")
        # What was just published is what a later build falls back on if a publisher is unavailable. The release
        # is already visible, so failing to keep the artefacts only costs the fallback: warn, do not fail.
        try:
            kept = remember_published(settings.landing_dir, published.manifest["sources"])
        except OSError as exc:
            kept = []
            context.log.warning(f"could not keep the published artefacts as the last good ones: {exc}")
        sources = published.manifest["sources"]
        stale = [s["source_id"] for s in sources if s.get("stale")]
        if stale:
            context.log.warning(f"published with stale sources (publisher unavailable): {', '.join(stale)}")
        return dg.MaterializeResult(
            metadata={
                "release_id": published.release_id,
                "path": dg.MetadataValue.path(str(published.path)),
                "tables": dg.MetadataValue.json(published.manifest["tables"]),
                "checks_evaluated": len(evaluations),
                "stale_sources": dg.MetadataValue.json(stale),
                "revised_sources": dg.MetadataValue.json(
                    {r["source_id"]: r["figures_revised"] for r in revisions["sources"] if r["figures_revised"]}
                ),
                "accepted_revisions": dg.MetadataValue.json(
                    [r["source_id"] for r in revisions["sources"] if r["accepted"]]
                ),
                # how current the data itself is (source_freshness), not when it was fetched
                "data_freshness": dg.MetadataValue.json(
                    {
                        state: sorted(s["source_id"] for s in sources if s.get("data_freshness") == state)
                        for state in ("overdue", "stale", "unknown")
                    }
                ),
                "last_good_artefacts_updated": len(kept),
            }
        )

    return dg.Definitions(assets=[release])
