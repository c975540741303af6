"""One raw asset per `sources.yaml` entry: fetch (live or snapshot mirror), parse, load `raw.<id>`.

When the publisher is unavailable after the fetcher's retries, the source's last published artefact is loaded
instead and recorded as stale, so one publisher's outage does not stop the release of everything else. Bad data
never falls back: a parse error or a failed blocking check still stops publication.
"""

import dagster as dg
import pandas as pd

from pipelines.areas import load_areas
from pipelines.cadence import freshness_policy
from pipelines.custom_areas import (
    COLUMNS,
    CUSTOM_AREAS_SOURCE_ID,
    LSOA21_LOOKUP_SOURCE,
    CustomAreasError,
    custom_areas_fingerprint,
    read_custom_areas,
)
from pipelines.fetch import Fetcher, HttpPolicy, SourceUnavailableError
from pipelines.incremental import mark_dirty
from pipelines.last_good import find_last_good
from pipelines.readers import read_source
from pipelines.registry import Registry, RegistryError, Source
from pipelines.settings import Settings
from pipelines.warehouse import connect, load_raw_table, registry_frame, replace_meta_table


def make_fetcher(settings: Settings, registry: Registry) -> Fetcher:
    policy = HttpPolicy(allowed_hosts=registry.allowed_hosts, allow_loopback_http=settings.allow_loopback_http)
    return Fetcher(
        landing_dir=settings.landing_dir,
        mode=settings.fetch_mode,
        snapshot_dir=settings.snapshot_dir,
        policy=policy,
    )


FETCHED_FRESH_CHECK = "fetched_fresh"


def build_raw_asset(source: Source, settings: Settings, registry: Registry) -> dg.AssetsDefinition:
    @dg.asset(
        key=["raw", source.id],
        group_name="sources",
        kinds={"duckdb", source.format.type},
        description=f"{source.title} ({source.publisher}). Raw text columns; see sources.yaml.",
        metadata={
            "publisher": source.publisher,
            "licence": source.licence,
            "domain": source.domain,
            "cadence": source.cadence.value,
            "live_url": dg.MetadataValue.url(source.live.url),
            "snapshot_path": source.snapshot_path,
            "geography": f"{source.geography.level.value} ({source.geography.code_vintage})",
        },
        tags={"ics_baseline/source": source.id},
        freshness_policy=freshness_policy(source),
        check_specs=[
            dg.AssetCheckSpec(
                FETCHED_FRESH_CHECK,
                asset=["raw", source.id],
                blocking=False,
                description="The artefact was fetched in this run; a warning when the publisher was unavailable"
                " and the source's last published artefact was used instead.",
            )
        ],
    )
    def _raw_asset(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        mark_dirty(settings, context.run_id)
        stale_reason = None
        try:
            artefact = make_fetcher(settings, registry).fetch(source)
        except SourceUnavailableError as exc:
            last_good = find_last_good(settings.landing_dir, source.id)
            if last_good is None:
                raise
            artefact, stale_reason = last_good.artefact, str(exc)
            context.log.warning(
                f"{source.id}: publisher unavailable, using the last published artefact retrieved "
                f"{artefact.retrieved_at.isoformat()} ({stale_reason})"
            )
        frame = read_source(source, artefact.path, artefact.mode)
        with connect(settings.build_database) as con:
            load_raw_table(con, source.raw_table, frame, artefact, stale_reason=stale_reason)
        context.log.info(f"{source.id}: {len(frame):,} rows from {artefact.fetched_from}")
        fresh_check = dg.AssetCheckResult(
            check_name=FETCHED_FRESH_CHECK,
            passed=stale_reason is None,
            severity=dg.AssetCheckSeverity.WARN,
            description=(
                f"fetched {artefact.retrieved_at.isoformat()}"
                if stale_reason is None
                else f"stale: last good artefact of {artefact.retrieved_at.isoformat()} used; {stale_reason}"
            ),
        )
        return dg.MaterializeResult(
            check_results=[fresh_check],
            metadata={
                "stale": stale_reason is not None,
                "stale_reason": stale_reason or "",
                "dagster/row_count": len(frame),
                "sha256": artefact.sha256,
                "bytes": artefact.bytes,
                "retrieved_at": artefact.retrieved_at.isoformat(),
                "fetched_from": artefact.fetched_from,
                "fetch_mode": artefact.mode,
                "columns": dg.MetadataValue.json(list(frame.columns)),
            },
            data_version=dg.DataVersion(artefact.sha256),
        )

    return _raw_asset


def build_registry_asset(settings: Settings, registry: Registry) -> dg.AssetsDefinition:
    @dg.asset(
        key=["meta", "source_registry"],
        group_name="sources",
        kinds={"duckdb"},
        description="sources.yaml as a table (publisher, licence, cadence, next release, live access), so the"
        " published indicator registry carries each source's terms without a second hand-kept list.",
    )
    def source_registry(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        mark_dirty(settings, context.run_id)
        frame = registry_frame(registry)
        with connect(settings.build_database) as con:
            replace_meta_table(con, "source_registry", frame)
        return dg.MaterializeResult(metadata={"dagster/row_count": len(frame)})

    return source_registry


def build_custom_areas_asset(settings: Settings, registry: Registry) -> dg.AssetsDefinition:
    lookup = registry.by_id.get(LSOA21_LOOKUP_SOURCE)
    if lookup is None:
        raise RegistryError(f"custom areas are checked against the lookup {LSOA21_LOOKUP_SOURCE}: not in sources.yaml")

    @dg.asset(
        key=["raw", CUSTOM_AREAS_SOURCE_ID],
        group_name="sources",
        kinds={"duckdb", "csv"},
        # the file's LSOA codes are checked against the lookup as this build loaded it
        deps=[dg.AssetKey(["raw", lookup.id])],
        description="A user's own areas (ics-baseline build --areas FILE, or ICS_BASELINE_CUSTOM_AREAS_FILE): one row"
        " per LSOA 2021 of each area, validated (pipelines/custom_areas.py); empty without a file.",
    )
    def custom_areas(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        path = settings.custom_areas_file
        rows = []
        if path is not None:
            with connect(settings.build_database) as con:
                lsoas = con.execute(f"select distinct lsoa21_code from {lookup.raw_table}").fetchall()
            known = {code for (code,) in lsoas}
            builtin = load_areas(settings.areas_file).area_types
            try:
                rows = read_custom_areas(path, builtin, known)
            except CustomAreasError as exc:
                # before the build database is touched: a refused file changes nothing
                raise dg.Failure(str(exc)) from None
        frame = pd.DataFrame(
            [[row.line, row.area_set, row.area_code, row.area_name, row.lsoa21_code] for row in rows],
            columns=["file_line", *COLUMNS],
        ).astype({"file_line": "int64", **dict.fromkeys(COLUMNS, "string")})
        provenance = pd.DataFrame(
            [[str(path) if path else None, custom_areas_fingerprint(path), len(frame)]],
            columns=["file_path", "sha256", "row_count"],
        ).astype({"file_path": "string", "sha256": "string", "row_count": "int64"})
        mark_dirty(settings, context.run_id)
        with connect(settings.build_database) as con:
            con.execute("create schema if not exists raw")
            con.execute("begin transaction")
            con.register("incoming_frame", frame)
            con.execute(f"create or replace table raw.{CUSTOM_AREAS_SOURCE_ID} as select * from incoming_frame")
            con.unregister("incoming_frame")
            replace_meta_table(con, "custom_areas_input", provenance)
            con.execute("commit")
        sets = sorted({row.area_set for row in rows})
        context.log.info(f"custom areas: {len(frame):,} LSOA rows in {len({r.area_code for r in rows})} areas")
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": len(frame),
                "file": str(path) if path else "",
                "sha256": provenance.sha256[0],
                "area_sets": dg.MetadataValue.json(sets),
            },
            data_version=dg.DataVersion(provenance.sha256[0]),
        )

    return custom_areas


def build_source_defs(settings: Settings, registry: Registry) -> dg.Definitions:
    raw_assets = [build_raw_asset(s, settings, registry) for s in registry.sources]
    custom_areas = build_custom_areas_asset(settings, registry)
    return dg.Definitions(assets=[*raw_assets, custom_areas, build_registry_asset(settings, registry)])
