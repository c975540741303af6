"""The registry of inputs: `sources.yaml`, validated on load.

Every raw asset, fetch and parse is driven from here. A bad entry fails at load time with a message that names
the entry and the field, so a typo in the registry never turns into a half-built warehouse.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

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


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LiveAccess(_Strict):
    """How the publisher serves the file today. `url` is fetched as-is in live mode."""

    kind: Literal["http_file"] = "http_file"
    url: str
    landing_page: str | None = None
    notes: str | None = None

    @field_validator("url")
    @classmethod
    def _https_only(cls, url: str) -> str:
        parts = urlsplit(url)
        # Plain http is accepted only for a loopback test server; the fetcher refuses even that unless
        # ICS_BASELINE_ALLOW_LOOPBACK_HTTP=1.
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and loopback)):
            raise ValueError(f"live url must be an absolute https URL, got {url!r}")
        return url

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""


class FileFormat(_Strict):
    """How to turn the artefact into rows. Header offsets drift between releases, so prefer `header_anchor`."""

    type: Literal["csv", "xlsx", "geojson"]
    encoding: str = "utf-8-sig"
    delimiter: str = ","
    sheet: str | None = None
    header_row: int = Field(0, ge=0, description="0-based line (csv) or row (xlsx) holding the header")
    header_anchor: str | None = Field(
        None, description="xlsx: text of a header cell; the first row containing it is the header row"
    )
    skip_rows_after_header: int = Field(0, ge=0)
    no_header: bool = Field(False, description="the file has no header row; columns are named by position 1..n")

    @model_validator(mode="after")
    def _sheet_for_xlsx(self) -> FileFormat:
        if self.type == "xlsx" and not self.sheet:
            raise ValueError("xlsx sources must name a sheet")
        return self


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

    @property
    def file_name(self) -> str:
        return Path(self.snapshot_path).name

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
        """The only hosts the live fetcher may contact (redirects included)."""
        return frozenset(s.live.host for s in self.sources)

    def markers_for(self, source: Source) -> list[str]:
        return source.suppression_markers if source.suppression_markers is not None else self.suppression_markers

    def get(self, source_id: str) -> Source:
        try:
            return self.by_id[source_id]
        except KeyError:
            raise KeyError(f"no source {source_id!r} in sources.yaml") from None


def _describe(error: ValidationError, raw: dict) -> str:
    lines = []
    for err in error.errors():
        loc = list(err["loc"])
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


def load_registry(path: Path) -> Registry:
    """Read and validate `sources.yaml`; raise RegistryError naming each bad entry and field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(f"{path}: registry file not found") from None
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise RegistryError(f"{path}: expected a mapping with 'version' and 'sources'")
    try:
        return Registry.model_validate(raw)
    except ValidationError as exc:
        raise RegistryError(f"{path}: invalid registry\n{_describe(exc, raw)}") from None
