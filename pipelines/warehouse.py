"""Writing raw tables and their provenance into the build database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.fetch import FetchedArtefact
from pipelines.registry import Registry

PROVENANCE_DDL = """
create schema if not exists meta;
create table if not exists meta.raw_artefacts (
    source_id varchar primary key,
    file_name varchar not null,
    source_url varchar not null,
    fetched_from varchar not null,
    fetch_mode varchar not null,
    retrieved_at timestamptz not null,
    sha256 varchar not null,
    bytes bigint not null,
    row_count bigint not null,
    column_count integer not null
);
-- Build databases made before stale-source fallback lack these; adding them keeps those databases usable.
alter table meta.raw_artefacts add column if not exists stale boolean default false;
alter table meta.raw_artefacts add column if not exists stale_reason varchar;
alter table meta.raw_artefacts add column if not exists last_good_retrieved_at timestamptz;
"""

PROVENANCE_COLUMNS = (
    "source_id",
    "file_name",
    "source_url",
    "fetched_from",
    "fetch_mode",
    "retrieved_at",
    "sha256",
    "bytes",
    "row_count",
    "column_count",
    "stale",
    "stale_reason",
    "last_good_retrieved_at",
)


@contextmanager
def connect(database: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    if not read_only:
        database.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(database), read_only=read_only)
    try:
        yield con
    finally:
        con.close()


def load_raw_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pd.DataFrame,
    artefact: FetchedArtefact,
    stale_reason: str | None = None,
) -> None:
    """Replace `table` with `frame` and record the artefact's provenance, in one transaction.

    `stale_reason` says why this is the source's last good artefact rather than a fresh fetch.
    """
    schema, name = table.split(".")
    con.execute(PROVENANCE_DDL)
    con.execute(f"create schema if not exists {schema}")
    con.execute("begin transaction")
    try:
        con.register("incoming_frame", frame)
        con.execute(f'create or replace table {schema}."{name}" as select * from incoming_frame')
        con.unregister("incoming_frame")
        con.execute(
            f"insert or replace into meta.raw_artefacts ({', '.join(PROVENANCE_COLUMNS)})"
            f" values ({', '.join('?' for _ in PROVENANCE_COLUMNS)})",
            [
                artefact.source_id,
                artefact.path.name,
                artefact.source_url,
                artefact.fetched_from,
                artefact.mode,
                artefact.retrieved_at,
                artefact.sha256,
                artefact.bytes,
                len(frame),
                len(frame.columns),
                stale_reason is not None,
                stale_reason,
                artefact.retrieved_at if stale_reason is not None else None,
            ],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def registry_frame(registry: Registry) -> pd.DataFrame:
    """One row per source with the terms analysts need next to a figure."""
    return pd.DataFrame(
        [
            {
                "source_id": s.id,
                "title": s.title,
                "publisher": s.publisher,
                "licence": s.licence,
                "domain": s.domain,
                "cadence": s.cadence.value,
                "next_release": s.next_release,
                "live_kind": s.live.kind,
                "live_url": s.live.url,
                "landing_page": s.live.landing_page,
                "geography_level": s.geography.level.value,
                "code_vintage": s.geography.code_vintage,
                "caveats": s.caveats,
            }
            for s in registry.sources
        ]
    ).astype("string")


def replace_meta_table(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    con.execute("create schema if not exists meta")
    con.register("incoming_frame", frame)
    try:
        con.execute(f'create or replace table meta."{name}" as select * from incoming_frame')
    finally:
        con.unregister("incoming_frame")
