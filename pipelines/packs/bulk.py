"""Bulk downloads of a release: partitioned Parquet, the per-ICS CSVs zipped by vintage, and W3C CSVW metadata.

Column titles and descriptions come from the dbt contracts of the marts (models/marts/*.yml), the same text
analysts see in dbt docs, so the CSVW metadata cannot drift from the warehouse.

Sizes (bench/bench_release_size.py): the CSVs are zipped (Deflate, which Windows Explorer, Excel users' first
stop, opens without extra software; pandas reads a one-file zip directly), one archive per boundary vintage,
about 6x smaller than the plain files; Parquet is ZSTD-compressed. Each CSVW table's `url` is the CSV's name
inside the archive its `dc:isPartOf` names.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import yaml

from pipelines.settings import DBT_PROJECT_DIR, WAREHOUSE_FILE_NAME

CSVW_CONTEXT = "http://www.w3.org/ns/csvw"
CSVW_DATATYPES = {
    "VARCHAR": "string",
    "DOUBLE": "double",
    "FLOAT": "float",
    "INTEGER": "integer",
    "BIGINT": "integer",
    "HUGEINT": "integer",
    "DATE": "date",
    "BOOLEAN": "boolean",
    "TIMESTAMP": "dateTime",
    "TIMESTAMP WITH TIME ZONE": "dateTime",
}

# Parquet: ZSTD at a level that halves the geometry and costs well under a second over the whole release.
PARQUET_OPTIONS = "format parquet, compression zstd, compression_level 9"
ZIP_LEVEL = 6  # Deflate level: 9 saves about 1% more for twice the time


def zip_entry_time(release_id: str) -> tuple[int, int, int, int, int, int]:
    """The release's creation time (from its id, e.g. 20261206T032724Z[-2]) for every archive member, so an archive
    depends only on its contents and release, and extracted files carry the release's date."""
    stamp = datetime.strptime(release_id[:16], "%Y%m%dT%H%M%SZ")
    return (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)


def _zip_info(name: str, date_time: tuple[int, int, int, int, int, int]) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def zip_file(source: Path, archive: Path, release_id: str) -> None:
    """Write `source` into a new zip `archive` as its only member (same name), then remove `source`."""
    member = _zip_info(source.name, zip_entry_time(release_id))
    with (
        zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as bundle,
        source.open("rb") as src,
        bundle.open(member, "w") as dst,
    ):
        shutil.copyfileobj(src, dst, 1 << 20)
    source.unlink()


# The per-ICS CSV: an ICB's benchmarked figures (every period), with the indicator title beside the id.
PER_ICS_QUERY = """
select c.icb_code, c.icb_name, c.icb_vintage, c.indicator_id, i.title as indicator_title, c.domain, c.period,
       c.period_start, c.value, c.unit, c.lower_ci_95, c.upper_ci_95, c.value_status, c.method, c.coverage,
       c.england_value, c.region_value, c.peer_group_value, c.rank, c.rank_of, c.quintile, c.significance_95,
       c.significance_998, c.trend_direction, c.trend_assessment, c.change_since_previous
from icb_indicator_comparisons as c
inner join indicators as i on c.indicator_id = i.id
where c.icb_code = $code and c.icb_vintage = $vintage
order by c.domain, c.indicator_id, c.period_start, c.period
"""


def mart_column_docs() -> dict[str, dict[str, str]]:
    """{mart: {column: description}} from the dbt YAML of the marts."""
    docs: dict[str, dict[str, str]] = {}
    for path in sorted((DBT_PROJECT_DIR / "models" / "marts").glob("*.yml")):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            docs[model["name"]] = {
                column["name"]: " ".join(str(column.get("description", "")).split())
                for column in model.get("columns", [])
            }
    docs["indicator_title"] = {}
    return docs


def _schema(con: duckdb.DuckDBPyConnection, query: str, params: dict, descriptions: dict[str, str]) -> dict:
    described = con.execute(f"describe {query}", params).fetchall()
    columns = []
    for name, column_type, *_ in described:
        column: dict[str, Any] = {
            "name": name,
            "titles": name,
            "datatype": CSVW_DATATYPES.get(str(column_type).upper(), "string"),
        }
        if descriptions.get(name):
            column["dc:description"] = descriptions[name]
        columns.append(column)
    return {"columns": columns}


def write_bulk_downloads(release_dir: Path, pack_keys: list[tuple[str, str, str]], release_id: str) -> dict[str, Any]:
    """Write parquet/, csv/<vintage>.zip (one CSV per ICS of the vintage) and csv-metadata.json into `release_dir`.

    pack_keys: (icb_code, icb_vintage, file_stem) for every pack.
    Returns {"per_ics_csv": {(code, vintage): {"archive": relative zip path, "member": CSV name in it}},
    "csv_archives": [relative zip paths], "parquet": [relative paths]}.
    """
    docs = mart_column_docs()
    database = release_dir / WAREHOUSE_FILE_NAME
    per_ics: dict[tuple[str, str], dict[str, str]] = {}
    parquet_files: list[str] = []
    date_time = zip_entry_time(release_id)
    with duckdb.connect(str(database), read_only=True) as con:
        tables = [r[0] for r in con.execute("select table_name from information_schema.tables order by 1").fetchall()]
        parquet_root = release_dir / "parquet"
        parquet_root.mkdir(parents=True, exist_ok=True)
        for table in tables:
            columns = {r[0] for r in con.execute(f"describe {table}").fetchall()}
            if "icb_vintage" in columns:
                # Hive-style partitions let analysts read one boundary vintage without scanning the others.
                target = parquet_root / table
                con.execute(
                    f"copy (select * from {table}) to '{target}' ({PARQUET_OPTIONS}, partition_by (icb_vintage))"
                )
                parquet_files += [str(p.relative_to(release_dir)) for p in sorted(target.rglob("*.parquet"))]
            else:
                target = parquet_root / f"{table}.parquet"
                con.execute(f"copy (select * from {table}) to '{target}' ({PARQUET_OPTIONS})")
                parquet_files.append(str(target.relative_to(release_dir)))

        csv_tables = []
        per_ics_schema = None
        (release_dir / "csv").mkdir(exist_ok=True)
        per_ics_docs = {**docs.get("icb_indicator_comparisons", {}), "indicator_title": "Short title of the indicator."}
        archives: dict[str, zipfile.ZipFile] = {}
        with ExitStack() as open_archives:
            for code, vintage, stem in pack_keys:
                archive = str(Path("csv") / f"{vintage.lower()}.zip")
                if archive not in archives:
                    archives[archive] = open_archives.enter_context(
                        zipfile.ZipFile(release_dir / archive, "w", zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL)
                    )
                member = f"{stem}.csv"
                # DuckDB's COPY does not take prepared parameters: fetch, then write with the same CSV dialect.
                params = {"code": code, "vintage": vintage}
                frame = con.execute(PER_ICS_QUERY, params).df()
                text = io.StringIO()
                frame.to_csv(text, index=False, lineterminator="\n")
                archives[archive].writestr(_zip_info(member, date_time), text.getvalue().encode("utf-8"))
                per_ics[(code, vintage)] = {"archive": archive, "member": member}
                if per_ics_schema is None:
                    per_ics_schema = _schema(con, PER_ICS_QUERY, params, per_ics_docs)
                name = frame.icb_name.iloc[0] if len(frame) else code
                csv_tables.append(
                    {
                        "url": member,
                        "dc:isPartOf": archive,
                        "dc:title": f"{name} ({vintage}): benchmarked figures",
                        "tableSchema": "csv/per-ics-schema.json",
                    }
                )
        if per_ics_schema is not None:
            per_ics_schema["primaryKey"] = ["icb_code", "icb_vintage", "indicator_id", "period"]
            (release_dir / "csv" / "per-ics-schema.json").write_text(
                json.dumps({"@context": CSVW_CONTEXT, **per_ics_schema}, indent=2) + "\n", encoding="utf-8"
            )

        whole_tables = []
        for zip_path in sorted(release_dir.glob("*.csv.zip")):
            table = zip_path.name.removesuffix(".csv.zip")
            if table not in tables:
                continue
            schema = _schema(con, f"select * from {table}", {}, docs.get(table, {}))
            schema["primaryKey"] = {
                "icb_indicators": ["icb_code", "icb_vintage", "indicator_id", "period"],
            }.get(table, [])
            whole_tables.append(
                {"url": f"{table}.csv", "dc:isPartOf": zip_path.name, "dc:title": table, "tableSchema": schema}
            )

    metadata = {
        "@context": [CSVW_CONTEXT, {"@language": "en"}],
        "dc:title": f"ICS Baseline release {release_id}",
        "dc:description": (
            "Every CSV is published zipped: a table's url is its file name inside the zip archive that its"
            " dc:isPartOf names (relative to this file). Extract the archives here to resolve every url."
        ),
        "dc:license": {"@id": "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"},
        "dc:publisher": "ICS Baseline",
        "tables": whole_tables + csv_tables,
    }
    (release_dir / "csv-metadata.json").write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")
    return {"per_ics_csv": per_ics, "csv_archives": sorted(archives), "parquet": parquet_files}
