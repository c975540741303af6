"""The registry of inputs: `sources.yaml`, validated on load.

Every raw asset, fetch and parse is driven from here. A bad entry fails at load time with a message that names
the entry and the field, so a typo in the registry never turns into a half-built warehouse.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

SOURCE_ID_PATTERN = r"^[a-z][a-z0-9_]*$"


class RegistryError(ValueError):
    """`sources.yaml` is malformed; the message names the entry and the field."""


class Cadence(StrEnum):
    once = "once"
    monthly = "monthly"
    quarterly = "quarterly"
    annual = "annual"
    irregular = "irregular"


class GeographyLevel(StrEnum):
    lsoa = "lsoa"
    local_authority = "local_authority"
    icb = "icb"
    nhs_region = "nhs_region"
    mixed = "mixed"
    organisation = "organisation"
    lookup = "lookup"
    msoa = "msoa"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _require_https(url: str, field: str) -> str:
    parts = urlsplit(url)
    # Plain http is accepted only for a loopback test server; the fetcher refuses even that unless
    # ICS_BASELINE_ALLOW_LOOPBACK_HTTP=1.
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and loopback)):
        raise ValueError(f"{field} must be an absolute https URL, got {url!r}")
    return url


def _require_no_query(url: str, why: str) -> str:
    if urlsplit(url).query:
        raise ValueError(f"url must not carry a query string ({why}), got {url!r}")
    return url


class FooterRule(_Strict):
    """Spreadsheets end with notes ("Back to contents", sources). Rows after the last row whose `column` matches
    `pattern` are dropped; a non-matching row among the data is kept, so the GX checks still catch junk."""

    column: str
    pattern: str


class FileFormat(_Strict):
    """How to turn the artefact into rows. Header offsets drift between releases, so prefer `header_anchor`."""

    type: Literal["csv", "xlsx", "geojson", "rda"]
    encoding: str = "utf-8-sig"
    delimiter: str = ","
    sheet: str | None = None
    header_row: int = Field(0, ge=0, description="0-based line (csv) or row (xlsx) holding the header")
    header_anchor: str | None = Field(
        None, description="xlsx: text of a header cell; the first row containing it is the header row"
    )
    skip_rows_after_header: int = Field(0, ge=0)
    no_header: bool = Field(False, description="the file has no header row; columns are named by position 1..n")
    trim_footer: FooterRule | None = Field(
        None, description="drop the notes that follow the last data row (a data row matches the rule)"
    )
    rda_object: str | None = Field(None, description="rda: the name of the data frame in the R data file")

    @model_validator(mode="after")
    def _sheet_for_xlsx(self) -> FileFormat:
        if self.type == "xlsx" and not self.sheet:
            raise ValueError("xlsx sources must name a sheet")
        if (self.type == "rda") != (self.rda_object is not None):
            raise ValueError("rda_object names the data frame of an rda file, and only of one")
        return self

    @property
    def suffix(self) -> str:
        return {"csv": ".csv", "xlsx": ".xlsx", "geojson": ".geojson", "rda": ".rda"}[self.type]


class PublisherLayout(_Strict):
    """What the publisher serves at the live URL where the snapshot holds another layout (a third party's
    conversion, a CSV saved from a workbook, shorter headers). A live build reads the publisher's file with
    `format`, and finds each column by its aliases as always; `headers` names the publisher's own header of each
    canonical column (one of its aliases), so the layout is stated, not guessed, and a mirror can reproduce it."""

    format: FileFormat | None = Field(None, description="the publisher's file format; absent: the snapshot's")
    headers: dict[str, str] = Field(
        default_factory=dict, description="canonical column -> the publisher's header (one of the column's aliases)"
    )


class LiveVerification(_Strict):
    """Where what the publisher serves at the live URL was established ("Live readiness" in the README): the day it was
    checked, the publisher's format (file type, sheet, header row, code columns, paging) and the stored pages,
    documentation or code that show it. `checked_on` is empty for a source not verified, and `reason` then says
    why. (Not `on`: YAML 1.1 reads that key as a boolean.)"""

    checked_on: date | None = None
    publisher_format: str
    evidence: list[str] = Field(default_factory=list)
    reason: str | None = None

    @model_validator(mode="after")
    def _verified_or_reasoned(self) -> LiveVerification:
        if self.checked_on is not None and not self.evidence:
            raise ValueError("a verified live source names its evidence")
        if self.checked_on is None and not self.reason:
            raise ValueError("an unverified live source says why (reason)")
        return self


class _LiveBase(_Strict):
    """What every live access has: the publisher URL, an optional landing page and notes, and the evidence of what
    the publisher serves there."""

    url: str
    landing_page: str | None = None
    notes: str | None = None
    verified: LiveVerification | None = None
    serves: PublisherLayout | None = Field(
        None, description="the publisher's layout where it differs from the snapshot copy; absent: the same file"
    )

    @field_validator("url")
    @classmethod
    def _https_url(cls, url: str) -> str:
        return _require_https(url, "live url")

    @field_validator("landing_page")
    @classmethod
    def _https_landing_page(cls, url: str | None) -> str | None:
        return None if url is None else _require_https(url, "landing_page")

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def hosts(self) -> frozenset[str]:
        """Every host this access contacts in live mode."""
        return frozenset({self.host})


class HttpFileAccess(_LiveBase):
    """A plain file download: `url` is fetched as-is, or, with `archive_member`, one file out of the zip at `url`."""

    kind: Literal["http_file"] = "http_file"
    archive_member: str | None = Field(None, description="path of the file to take out of the zip served at url")

    @field_validator("archive_member")
    @classmethod
    def _member_inside_archive(cls, value: str | None) -> str | None:
        if value is not None and (value.startswith("/") or ".." in Path(value).parts):
            raise ValueError(f"archive_member must be a relative path inside the archive, got {value!r}")
        return value


class ArcGisFeatureServiceAccess(_LiveBase):
    """An ArcGIS FeatureServer layer (ONS Open Geography Portal), paged into a CSV of its attributes.

    `url` is the layer's `/query` endpoint without parameters; the adapter adds where/outFields/paging.
    """

    kind: Literal["arcgis_feature_service"]
    order_by: list[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*( (ASC|DESC))?$")]] = Field(
        min_length=1, description="fields that order the rows uniquely; without a stable order pages overlap"
    )
    page_size: int = Field(1000, ge=1, le=10_000, description="resultRecordCount per request")
    where: str = "1=1"
    out_fields: list[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]] | None = Field(
        None, description="the fields to return (default all)"
    )
    geometry: bool = Field(
        False, description="land a GeoJSON FeatureCollection (WGS84) of the layer's features instead of a CSV"
    )

    @field_validator("url")
    @classmethod
    def _query_endpoint(cls, url: str) -> str:
        if not re.search(r"/(FeatureServer|MapServer)/\d+/query$", urlsplit(url).path):
            raise ValueError(f"url must be a FeatureServer layer's /query endpoint, got {url!r}")
        return _require_no_query(url, "the adapter adds the query parameters")


class FingertipsApiAccess(_LiveBase):
    """OHID Fingertips `all_data/csv/by_indicator_id`: every area of one area type, for the given indicators."""

    kind: Literal["fingertips_api"]
    indicator_ids: list[Annotated[int, Field(gt=0)]] = Field(min_length=1)
    child_area_type_id: int = Field(gt=0, description="e.g. 221 ICBs, 502 upper-tier LAs; check /api/area_types")
    parent_area_type_id: int = Field(gt=0, description="e.g. 15 England; check /api/area_types")
    profile_id: int | None = Field(None, gt=0)

    @field_validator("url")
    @classmethod
    def _by_indicator_endpoint(cls, url: str) -> str:
        if not urlsplit(url).path.endswith("/api/all_data/csv/by_indicator_id"):
            raise ValueError(f"url must be the /api/all_data/csv/by_indicator_id endpoint, got {url!r}")
        return _require_no_query(url, "indicator and area type ids are separate fields")


NOMIS_RESERVED_PARAMS = frozenset({"uid", "recordoffset", "recordlimit"})


class NomisApiAccess(_LiveBase):
    """A Nomis API dataset as CSV; `params` are the query (geography, date, measures, variables, select)."""

    kind: Literal["nomis_api"]
    params: dict[str, str] = Field(min_length=1)
    uid_env: Annotated[str, Field(pattern=r"^[A-Z_][A-Z0-9_]*$")] | None = Field(
        None, description="environment variable holding the Nomis uid; the uid itself never goes in the registry"
    )

    @field_validator("url")
    @classmethod
    def _data_csv_endpoint(cls, url: str) -> str:
        if not re.search(r"/api/v01/dataset/[A-Za-z0-9_]+\.data\.csv$", urlsplit(url).path):
            raise ValueError(f"url must be a /api/v01/dataset/<id>.data.csv endpoint, got {url!r}")
        return _require_no_query(url, "put the query in params, and the uid in the environment")

    @field_validator("params", mode="before")
    @classmethod
    def _comma_join_lists(cls, value: object) -> object:
        # YAML reads `measures: 20100` as an int and `measures: [20599, 21001]` as a list; Nomis wants "a,b".
        if isinstance(value, dict):
            return {
                key: ",".join(str(v) for v in item) if isinstance(item, list) else str(item)
                for key, item in value.items()
            }
        return value

    @field_validator("params")
    @classmethod
    def _no_reserved_params(cls, value: dict[str, str]) -> dict[str, str]:
        reserved = sorted(key for key in value if key.lower() in NOMIS_RESERVED_PARAMS)
        if reserved:
            raise ValueError(
                f"params must not set {', '.join(reserved)}: the uid comes only from uid_env, and paging and "
                "row caps are the adapter's business"
            )
        return value


class GovUkAssetAccess(_LiveBase):
    """A gov.uk / ons.gov.uk attachment whose hashed URL changes with each re-issue.

    The adapter reads `landing_page`, takes the one link whose absolute URL matches `asset_pattern` and downloads
    it. `url` is the asset URL last seen there: it pins the asset host and documents the expected file.
    """

    kind: Literal["govuk_asset"]
    landing_page: str
    asset_pattern: str = Field(description="regular expression searched in each absolute link URL on the page")

    @field_validator("asset_pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"asset_pattern is not a valid regular expression: {exc}") from None
        return pattern

    @model_validator(mode="after")
    def _pattern_matches_the_known_asset(self) -> GovUkAssetAccess:
        # A pattern that does not even match the asset it was written for is a typo, not a re-issue.
        if not re.search(self.asset_pattern, self.url):
            raise ValueError(f"asset_pattern {self.asset_pattern!r} does not match the url {self.url!r}")
        return self

    @property
    def hosts(self) -> frozenset[str]:
        return frozenset({self.host, urlsplit(self.landing_page).hostname or ""})


class OnsCensusObservationsAccess(_LiveBase):
    """ONS's Census 2021 API (`/v1/population-types/<type>/census-observations`): one observation per area and
    category, pivoted by the adapter to one row per area, as ONS's custom-dataset CSV lays out after a pivot.

    `url` is the endpoint without parameters; `area_type` and `dimension` are its query, and `area_label` the
    label ONS's CSV gives the area columns ("<label> Code", "<label>")."""

    kind: Literal["ons_census_observations"]
    area_type: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    dimension: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    area_label: str

    @field_validator("url")
    @classmethod
    def _observations_endpoint(cls, url: str) -> str:
        if not re.search(r"/population-types/[A-Za-z0-9_-]+/census-observations$", urlsplit(url).path):
            raise ValueError(f"url must be a /population-types/<type>/census-observations endpoint, got {url!r}")
        return _require_no_query(url, "area_type and dimension are separate fields")


LIVE_KINDS = (
    "http_file",
    "arcgis_feature_service",
    "fingertips_api",
    "nomis_api",
    "govuk_asset",
    "ons_census_observations",
)


def _live_kind(value: object) -> str | None:
    # Entries written before live adapters existed have no `kind`: they are plain file downloads.
    if isinstance(value, dict):
        return value.get("kind", "http_file")
    return getattr(value, "kind", None)


LiveAccess = Annotated[
    Annotated[HttpFileAccess, Tag("http_file")]
    | Annotated[ArcGisFeatureServiceAccess, Tag("arcgis_feature_service")]
    | Annotated[FingertipsApiAccess, Tag("fingertips_api")]
    | Annotated[NomisApiAccess, Tag("nomis_api")]
    | Annotated[GovUkAssetAccess, Tag("govuk_asset")]
    | Annotated[OnsCensusObservationsAccess, Tag("ons_census_observations")],
    Discriminator(
        _live_kind,
        custom_error_type="live_kind",
        custom_error_message=f"live.kind must be one of {', '.join(LIVE_KINDS)}",
    ),
]
"""How the publisher serves the artefact today; `kind` picks the live adapter (default `http_file`)."""


class ColumnSpec(_Strict):
    """A canonical column and the headers publishers have used for it."""

    aliases: list[str] = Field(min_length=1)
    required: bool = True


class Geography(_Strict):
    level: GeographyLevel
    code_vintage: str = Field(description="boundary/code vintage of the area codes, e.g. '2021' for LSOA21")


class Source(_Strict):
    id: Annotated[str, Field(pattern=SOURCE_ID_PATTERN)]
    title: str
    publisher: str
    licence: str
    domain: str
    live: LiveAccess
    snapshot_path: str
    format: FileFormat
    columns: dict[str, ColumnSpec] = Field(min_length=1)
    keep_unlisted_columns: bool = Field(
        False, description="keep columns not named in `columns` (wide files such as single year of age)"
    )
    geography: Geography
    suppression_markers: list[str] | None = None
    cadence: Cadence
    next_release: str | None = Field(None, description="when the publisher expects the next edition, as it says")
    # Freshness of the data itself (pipelines/freshness.py): the data period is read from the figures, and these
    # say when a newer one is due. A source without a lag is never classified (its freshness is "unknown").
    publication_lag_months: int | None = Field(
        None, ge=0, le=120, description="months from the end of a data period to the publisher releasing it"
    )
    release_interval_months: int | None = Field(
        None, ge=1, le=240, description="irregular sources only: the usual months between editions"
    )
    released: date | None = Field(
        None, description="the publisher's release date of the edition this registry entry lands, where known"
    )
    caveats: str | None = None

    @field_validator("columns", mode="before")
    @classmethod
    def _expand_shorthand(cls, value: object) -> object:
        # `canonical: [alias, ...]` is shorthand for `canonical: {aliases: [...]}`.
        if isinstance(value, dict):
            return {k: ({"aliases": v} if isinstance(v, list) else v) for k, v in value.items()}
        return value

    @field_validator("columns")
    @classmethod
    def _canonical_names_are_identifiers(cls, value: dict[str, ColumnSpec]) -> dict[str, ColumnSpec]:
        for name in value:
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise ValueError(f"canonical column name {name!r} must be snake_case")
        return value

    @field_validator("snapshot_path")
    @classmethod
    def _relative_path(cls, value: str) -> str:
        path = Path(value)
        if path.is_absolute() or ".." in path.parts:
            raise ValueError(f"snapshot_path must be relative to the snapshot directory, got {value!r}")
        return value

    @model_validator(mode="after")
    def _interval_only_when_irregular(self) -> Source:
        # A regular cadence already says how often a new period comes; a second figure could contradict it.
        if self.release_interval_months is not None and self.cadence != Cadence.irregular:
            raise ValueError("release_interval_months is for irregular sources; the cadence gives the interval")
        return self

    @model_validator(mode="after")
    def _publisher_headers_are_aliases(self) -> Source:
        # The live reader finds columns by alias only, so a publisher header that is not an alias could never be read.
        serves = self.live.serves
        for canonical, header in (serves.headers if serves else {}).items():
            spec = self.columns.get(canonical)
            if spec is None:
                raise ValueError(f"live.serves.headers names {canonical!r}, which is not a declared column")
            if header not in spec.aliases:
                raise ValueError(f"live.serves.headers: {header!r} is not among the aliases of {canonical!r}")
        return self

    @property
    def file_name(self) -> str:
        return Path(self.snapshot_path).name

    def file_format(self, mode: str) -> FileFormat:
        """How to read an artefact fetched in `mode`: a live one in the publisher's layout where it differs."""
        serves = self.live.serves
        if mode == "live" and serves is not None and serves.format is not None:
            return serves.format
        return self.format

    def artefact_name(self, mode: str) -> str:
        """The landed file's name: the snapshot's, with the suffix of the format it is read with."""
        fmt = self.file_format(mode)
        if fmt is self.format:
            return self.file_name
        return Path(self.snapshot_path).stem + fmt.suffix

    @property
    def raw_table(self) -> str:
        return f"raw.{self.id}"


class Registry(_Strict):
    version: Literal[1]
    suppression_markers: list[str]
    sources: list[Source]

    @model_validator(mode="after")
    def _unique_ids(self) -> Registry:
        seen: set[str] = set()
        for source in self.sources:
            if source.id in seen:
                raise ValueError(f"duplicate source id {source.id!r}")
            seen.add(source.id)
        return self

    @cached_property
    def by_id(self) -> dict[str, Source]:
        return {s.id: s for s in self.sources}

    @cached_property
    def allowed_hosts(self) -> frozenset[str]:
        """The only hosts the live fetcher may contact (landing pages and redirects included)."""
        return frozenset().union(*(s.live.hosts for s in self.sources))

    def markers_for(self, source: Source) -> list[str]:
        return source.suppression_markers if source.suppression_markers is not None else self.suppression_markers

    def get(self, source_id: str) -> Source:
        try:
            return self.by_id[source_id]
        except KeyError:
            raise KeyError(f"no source {source_id!r} in sources.yaml") from None


def _without_union_tag(loc: list[str | int]) -> list[str | int]:
    # Pydantic puts the matched kind in the location (`live.nomis_api.params`); the YAML has no such level.
    for i in range(len(loc) - 1):
        if loc[i] == "live" and loc[i + 1] in LIVE_KINDS:
            return loc[: i + 1] + loc[i + 2 :]
    return loc


def _describe(error: ValidationError, raw: dict) -> str:
    lines = []
    for err in error.errors():
        loc = _without_union_tag(list(err["loc"]))
        where = ".".join(str(p) for p in loc)
        if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
            try:
                entry = raw["sources"][loc[1]].get("id", f"#{loc[1]}")
            except (KeyError, IndexError, AttributeError, TypeError):
                entry = f"#{loc[1]}"
            field = ".".join(str(p) for p in loc[2:]) or "(entry)"
            where = f"source {entry!r}, field {field}"
        lines.append(f"  - {where}: {err['msg']}")
    return "\n".join(lines)


def read_yaml_mapping(path: Path, keys: str) -> dict:
    """A registry file's YAML mapping, or a RegistryError naming the file and what is wrong with it."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(f"{path}: registry file not found") from None
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise RegistryError(f"{path}: expected a mapping with {keys}")
    return raw


def load_registry(path: Path) -> Registry:
    """Read and validate `sources.yaml`; raise RegistryError naming each bad entry and field."""
    raw = read_yaml_mapping(path, "'version' and 'sources'")
    try:
        return Registry.model_validate(raw)
    except ValidationError as exc:
        raise RegistryError(f"{path}: invalid registry\n{_describe(exc, raw)}") from None
