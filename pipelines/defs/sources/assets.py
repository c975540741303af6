"""One raw asset per `sources.yaml` entry: fetch (live or snapshot mirror), parse, load `raw.<id>`.

When the publisher is unavailable after the fetcher's retries, the source's last published artefact is loaded
instead and recorded as stale, so one publisher's outage does not stop the release of everything else. Bad data
never falls back: a parse error or a failed blocking check still stops publication.
"""

import dagster as dg

from pipelines.cadence import freshness_policy
from pipelines.fetch import Fetcher, HttpPolicy, SourceUnavailableError
from pipelines.incremental import mark_dirty
from pipelines.last_good import find_last_good
from pipelines.readers import read_source
from pipelines.registry import Registry, Source
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
        frame = read_source(source, artefact.path)
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


def build_source_defs(settings: Settings, registry: Registry) -> dg.Definitions:
    raw_assets = [build_raw_asset(s, settings, registry) for s in registry.sources]
    return dg.Definitions(assets=[*raw_assets, build_registry_asset(settings, registry)])
