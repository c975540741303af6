"""The registry of areas (areas.yaml): area types, their boundary vintages and how each is made of LSOA 2021s.

Validated here against the registry of inputs, so a vintage that names a lookup or a column sources.yaml does not
declare fails before any build with the vintage and field named. dbt receives the vintages as the variable
`area_vintages` (pipelines/defs/transform/dbt.py), from which the macro `area_lsoa21_memberships` writes the
membership of every area and other macros an ICB vintage's boundaries and ODS codes, reading the registry's
sources straight from their raw tables (`sources_read`), so a new vintage needs no dbt file; the GX suites
and the packs read the vintages, their expected counts, labels and dates from here. A build reads
areas.yaml unless pointed at another registry (`ics-baseline build --areas-registry`, settings.areas_file).
"""

from __future__ import annotations

import re
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipelines.registry import Registry, RegistryError, read_yaml_mapping
from pipelines.settings import PROJECT_ROOT

AREAS_FILE = PROJECT_ROOT / "areas.yaml"
ID_PATTERN = r"^[a-z][a-z0-9_]*$"
VINTAGE_PATTERN = r"^[A-Z][A-Z0-9]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LookupMembership(_Strict):
    source: str
    lsoa: Literal["lsoa21_code", "lsoa11_code"]
    code: str
    name: str
    basis: str | None = Field(
        None, pattern=r"^[a-z0-9_]+$", description="membership_basis of an LSOA21 lookup (default lsoa21_lookup)"
    )
    # the column holding the area's ODS code (ICBs: the code NHS organisations name their parent ICB by)
    ods_code: str | None = None


class ViaMembership(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    area_type: str
    vintage: str
    source: str
    from_: str = Field(alias="from")
    code: str
    name: str


class CodeSource(_Strict):
    source: str
    code: str
    name: str


class LsoaNamePrefixMembership(_Strict):
    source: str
    name: str
    codes: CodeSource


class WholeCountryMembership(_Strict):
    code: str
    name: str


class IcbRegionsMembership(_Strict):
    icb_vintage: str


class Membership(_Strict):
    lookup: LookupMembership | None = None
    via: ViaMembership | None = None
    lsoa_name_prefix: LsoaNamePrefixMembership | None = None
    whole_country: WholeCountryMembership | None = None
    icb_regions: IcbRegionsMembership | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Membership:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one kind of membership, not {given or 'none'}")
        return self

    @property
    def kind(self) -> str:
        return next(name for name in type(self).model_fields if getattr(self, name) is not None)

    @property
    def spec(self) -> _Strict:
        return getattr(self, self.kind)


class BoundarySource(_Strict):
    """A registered boundary file: one feature per area, `geometry` as GeoJSON, coded and named by columns."""

    source: str
    code: str
    name: str
    # the publisher's name for the boundaries' vintage (ICB24's are the April 2023 file: ICB23)
    vintage: str = Field(pattern=VINTAGE_PATTERN)


class Boundaries(_Strict):
    """Where a vintage's map comes from: its own boundary file, or (where the publisher drew none) the
    boundaries of another vintage of the same type, each area drawn as the one sharing most of its LSOA21s."""

    file: BoundarySource | None = None
    drawn_with: str | None = Field(None, pattern=VINTAGE_PATTERN)

    @model_validator(mode="after")
    def _exactly_one(self) -> Boundaries:
        if (self.file is None) == (self.drawn_with is None):
            raise ValueError("give exactly one of 'file' and 'drawn_with'")
        return self


class Vintage(_Strict):
    label: str
    in_force_from: date | None = None
    # how many areas the publisher lists for the vintage in England: a fact to check the lookups against
    expected_areas: int | None = Field(None, ge=1)
    membership: Membership
    boundaries: Boundaries | None = None


class AreaType(_Strict):
    label: str
    code_pattern: str
    # what local-authority sources give areas of this type (areas.yaml): the publishers' own figures for the
    # areas themselves, figures rebuilt from the LAs' parts inside each area, or nothing
    la_figures: Literal["published", "apportioned", "none"] = "none"
    vintages: dict[str, Vintage] = Field(min_length=1)

    @model_validator(mode="after")
    def _pattern_compiles(self) -> AreaType:
        re.compile(self.code_pattern)
        return self


class AreasRegistry(_Strict):
    version: Literal[1]
    area_types: dict[str, AreaType] = Field(min_length=1)

    @model_validator(mode="after")
    def _names(self) -> AreasRegistry:
        seen: dict[str, str] = {}
        for type_id, area_type in self.area_types.items():
            if not re.fullmatch(ID_PATTERN, type_id):
                raise ValueError(f"area type {type_id!r}: ids are lower case letters, digits and _")
            for vintage_id in area_type.vintages:
                if not re.fullmatch(VINTAGE_PATTERN, vintage_id):
                    raise ValueError(f"vintage {vintage_id!r}: ids are upper case letters and digits, e.g. ICB26")
                if vintage_id in seen:
                    raise ValueError(f"vintage {vintage_id!r} is declared by both {seen[vintage_id]} and {type_id}")
                seen[vintage_id] = type_id
        return self

    @cached_property
    def vintages(self) -> list[tuple[str, str, Vintage]]:
        """(area type, vintage id, vintage) in declaration order."""
        return [
            (t, v, vintage) for t, area_type in self.area_types.items() for v, vintage in area_type.vintages.items()
        ]

    def vintages_of(self, area_type: str) -> dict[str, Vintage]:
        return dict(self.area_types[area_type].vintages)

    def expected_areas(self, area_type: str) -> dict[str, int | None]:
        """Vintage -> how many areas of the type the publisher lists in England (None where not declared)."""
        return {vintage_id: vintage.expected_areas for vintage_id, vintage in self.vintages_of(area_type).items()}

    def vintage_in_force(self, area_type: str, on: date) -> str:
        """The vintage of the type in force on a day: the latest whose boundaries came into force on or before it
        (the last declared one when the type has no dates). Areas of other types are compared in the ICB vintage
        in force on the day of the build, so a vintage declared ahead of its start (April 2027) changes nothing
        until then."""
        vintages = self.vintages_of(area_type)
        started = [(v.in_force_from, vid) for vid, v in vintages.items() if v.in_force_from and v.in_force_from <= on]
        if started:
            return max(started)[1]
        undated = [vid for vid, v in vintages.items() if v.in_force_from is None]
        if not undated:
            raise ValueError(f"areas.yaml: no {area_type} vintage is in force on {on.isoformat()}")
        return undated[-1]

    def check_against(self, registry: Registry) -> None:
        """Every lookup and column named exists in sources.yaml; `via` and `icb_regions` name declared vintages."""
        problems = []
        declared: set[tuple[str, str]] = set()  # the vintages above this one: the ones it may build on
        for type_id, vintage_id, vintage in self.vintages:
            where = f"area type {type_id}, vintage {vintage_id}, membership {vintage.membership.kind}"
            for source_id, columns in _columns_used(vintage.membership):
                source = registry.by_id.get(source_id)
                if source is None:
                    problems.append(f"{where}: no source {source_id!r} in sources.yaml")
                    continue
                missing = [c for c in columns if c not in source.columns]
                if missing:
                    problems.append(f"{where}: source {source_id} has no column {', '.join(map(repr, missing))}")
            spec = vintage.membership.spec
            if isinstance(spec, ViaMembership) and (spec.area_type, spec.vintage) not in declared:
                problems.append(f"{where}: no area type {spec.area_type!r} with vintage {spec.vintage!r} above it")
            if isinstance(spec, IcbRegionsMembership) and ("icb", spec.icb_vintage) not in declared:
                problems.append(f"{where}: no ICB vintage {spec.icb_vintage!r} above it")
            declared.add((type_id, vintage_id))
            problems.extend(self._boundary_problems(type_id, vintage_id, vintage, registry))
        if problems:
            raise RegistryError("areas.yaml does not match sources.yaml:\n" + "\n".join(f"  - {p}" for p in problems))

    def _boundary_problems(self, type_id: str, vintage_id: str, vintage: Vintage, registry: Registry) -> list[str]:
        where = f"area type {type_id}, vintage {vintage_id}, boundaries"
        boundaries = vintage.boundaries
        if boundaries is None:
            return []
        if boundaries.drawn_with is not None:
            other = self.area_types[type_id].vintages.get(boundaries.drawn_with)
            if other is None or other.boundaries is None or other.boundaries.file is None:
                return [f"{where}: drawn_with {boundaries.drawn_with!r} is no {type_id} vintage with a boundary file"]
            return []
        assert boundaries.file is not None
        source = registry.by_id.get(boundaries.file.source)
        if source is None:
            return [f"{where}: no source {boundaries.file.source!r} in sources.yaml"]
        missing = [c for c in (boundaries.file.code, boundaries.file.name, "geometry") if c not in source.columns]
        return [f"{where}: source {source.id} has no column {', '.join(map(repr, missing))}"] if missing else []

    def as_dbt_var(self) -> list[dict[str, Any]]:
        """The vintages as dbt receives them: one plain mapping each, in declaration order."""
        rows = []
        for type_id, vintage_id, vintage in self.vintages:
            spec = vintage.membership.spec.model_dump(by_alias=True)
            rows.append(
                {
                    "area_type": type_id,
                    "area_vintage": vintage_id,
                    "label": vintage.label,
                    "code_pattern": self.area_types[type_id].code_pattern,
                    "la_figures": self.area_types[type_id].la_figures,
                    "expected_areas": vintage.expected_areas,
                    "in_force_from": vintage.in_force_from.isoformat() if vintage.in_force_from else None,
                    "kind": vintage.membership.kind,
                    "membership": spec,
                    "boundaries": vintage.boundaries.model_dump() if vintage.boundaries else None,
                }
            )
        return rows

    def sources_read(self) -> dict[str, list[str]]:
        """The sources dbt reads straight from the registry, by what they give: `membership` (lookups) and
        `boundaries` (boundary files). The models reading them say which (meta area_registry_sources), and
        the pipeline makes each of these raw assets their upstream (pipelines/defs/transform/dbt.py)."""
        membership: list[str] = []
        boundaries: list[str] = []
        for _, _, vintage in self.vintages:
            membership.extend(source_id for source_id, _ in _columns_used(vintage.membership))
            if vintage.boundaries is not None and vintage.boundaries.file is not None:
                boundaries.append(vintage.boundaries.file.source)
        return {"membership": sorted(set(membership)), "boundaries": sorted(set(boundaries))}


def _columns_used(membership: Membership) -> list[tuple[str, list[str]]]:
    spec = membership.spec
    if isinstance(spec, LookupMembership):
        return [(spec.source, [spec.lsoa, spec.code, spec.name, *([spec.ods_code] if spec.ods_code else [])])]
    if isinstance(spec, ViaMembership):
        return [(spec.source, [spec.from_, spec.code, spec.name])]
    if isinstance(spec, LsoaNamePrefixMembership):
        return [(spec.source, ["lsoa21_code", spec.name]), (spec.codes.source, [spec.codes.code, spec.codes.name])]
    return []


def load_areas(path: Path = AREAS_FILE, registry: Registry | None = None) -> AreasRegistry:
    """Read and validate areas.yaml (and, given the registry of inputs, check it against sources.yaml)."""
    raw = read_yaml_mapping(path, "'version' and 'area_types'")
    try:
        areas = AreasRegistry.model_validate(raw)
    except ValidationError as exc:
        lines = [f"  - {'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg']}" for e in exc.errors()]
        raise RegistryError(f"{path}: invalid areas registry\n" + "\n".join(lines)) from None
    if registry is not None:
        areas.check_against(registry)
    return areas
