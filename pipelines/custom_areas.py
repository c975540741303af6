"""Custom areas: a user's own footprints (a PCN, a coalition of ICSs, a council's localities) made of LSOA 2021s.

`ics-baseline build --areas FILE` (or ICS_BASELINE_CUSTOM_AREAS_FILE, pipelines/settings.py) names a CSV with the
columns area_set, area_code, area_name, lsoa21_code, one row per LSOA of an area. Each area_set becomes an area type
of its own (area_type = the set's id, area_vintage = CUSTOM_<SET>), with the small-area figures, comparisons and
packs of every other area type: the file is loaded as the raw table raw.custom_areas (the raw/custom_areas asset) and
its memberships join the registry's in int_lsoa21_area_memberships_unioned.

The file is read and validated here only (`read_custom_areas`): by the CLI before a build starts, so a bad file
fails in a second, and again by the raw asset against the LSOA 2021 lookup the build has loaded. Every problem is
reported with the file, the line and the offending value; nothing is built or published from a refused file.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# The raw asset and table (raw/custom_areas, raw.custom_areas), and its key among a build's inputs
# (pipelines/incremental.py), so a changed file rebuilds only what depends on it.
CUSTOM_AREAS_SOURCE_ID = "custom_areas"
COLUMNS = ("area_set", "area_code", "area_name", "lsoa21_code")
# The registered lookup of every English LSOA 2021 (sources.yaml) that the codes of a file are checked against:
# the one the ICB24, SICBL24 and MSOA21 memberships are read from.
LSOA21_LOOKUP_SOURCE = "ons_lsoa21_icb24_lookup"
# The input hash of a build without custom areas (incremental.py compares it like a file's sha256).
NO_CUSTOM_AREAS = "none"

AREA_SET_PATTERN = r"[a-z][a-z0-9_]{0,39}"
AREA_CODE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}"
ENGLISH_LSOA21_PATTERN = r"E01\d{6}"
ANY_GSS_CODE_PATTERN = r"[A-Z]\d{8}"
MAX_PROBLEMS_SHOWN = 25


class CustomAreasError(ValueError):
    """The custom areas file is refused; the message names the file and, per problem, the line and the value."""


@dataclass(frozen=True)
class CustomAreaRow:
    line: int
    area_set: str
    area_code: str
    area_name: str
    lsoa21_code: str


def custom_areas_fingerprint(path: Path | None) -> str:
    """What a build's input record holds for the custom areas: the file's sha256, or NO_CUSTOM_AREAS."""
    if path is None:
        return NO_CUSTOM_AREAS
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_custom_areas(
    path: Path,
    builtin_area_types: Iterable[str],
    known_lsoa21_codes: set[str] | None = None,
) -> list[CustomAreaRow]:
    """Read and validate the file; return its rows (every one with an LSOA), or raise CustomAreasError.

    `builtin_area_types` are the area type ids of areas.yaml, which no set may take. `known_lsoa21_codes` are the
    LSOA21 codes of the registered lookup as the build loaded it; without them (before the lookup is loaded) codes
    are checked for form only, and the raw asset checks them against the lookup before anything is built."""
    problems: list[str] = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CustomAreasError(f"custom areas file {path}: not found") from None
    except UnicodeDecodeError as exc:
        raise CustomAreasError(f"custom areas file {path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None

    reader = csv.reader(text.splitlines(keepends=True))
    header = next(reader, None)
    if header is None:
        raise CustomAreasError(f"custom areas file {path}: empty (expected a header: {', '.join(COLUMNS)})")
    names = [name.strip().lower() for name in header]
    missing = [column for column in COLUMNS if column not in names]
    if missing:
        raise CustomAreasError(
            f"custom areas file {path}, line 1: missing column(s) {', '.join(map(repr, missing))}"
            f" (the header has {', '.join(map(repr, names))}; expected {', '.join(COLUMNS)})"
        )
    repeated = sorted({name for name in names if name in COLUMNS and names.count(name) > 1})
    if repeated:
        raise CustomAreasError(f"custom areas file {path}, line 1: column(s) {', '.join(repeated)} given twice")
    position = {column: names.index(column) for column in COLUMNS}

    builtin = set(builtin_area_types)
    rows: list[CustomAreaRow] = []
    code_first_seen: dict[str, tuple[str, str, int]] = {}  # area code -> (set, name, line)
    lsoa_first_seen: dict[tuple[str, str], tuple[str, int]] = {}  # (set, lsoa) -> (area code, line)
    areas_with_lsoas: set[str] = set()
    blank_lsoa_lines: dict[str, list[int]] = {}
    for fields in reader:
        line = reader.line_num
        if not any(field.strip() for field in fields):
            continue  # a blank line (Excel leaves them at the end)
        if len(fields) > len(names):
            problems.append(f"line {line}: {len(fields)} fields, more than the header's {len(names)}")
            continue
        values = {c: (fields[i].strip() if i < len(fields) else "") for c, i in position.items()}
        area_set, area_code, area_name, lsoa = (values[c] for c in COLUMNS)
        blank = [c for c in ("area_set", "area_code", "area_name") if not values[c]]
        if blank:
            problems.append(f"line {line}: {', '.join(blank)} blank (area code {area_code!r})")
            continue
        if not re.fullmatch(AREA_SET_PATTERN, area_set):
            problems.append(
                f"line {line}: area_set {area_set!r} is not an id (lower-case letters, digits and _, starting with a"
                " letter, at most 40): each set becomes an area type of that id"
            )
            continue
        if area_set in builtin:
            problems.append(
                f"line {line}: area_set {area_set!r} clashes with the built-in area type {area_set!r} of areas.yaml"
                " (choose another set name)"
            )
            continue
        if not re.fullmatch(AREA_CODE_PATTERN, area_code):
            problems.append(
                f"line {line}: area code {area_code!r} is not a code (letters, digits, - and _, at most 40)"
            )
            continue
        first = code_first_seen.get(area_code)
        if first is None:
            code_first_seen[area_code] = (area_set, area_name, line)
        elif first[0] != area_set:
            problems.append(
                f"line {line}: duplicate area code {area_code!r}: used in area set {first[0]!r} on line {first[2]}"
                f" and in {area_set!r} here (a code names one area)"
            )
            continue
        elif first[1] != area_name:
            problems.append(
                f"line {line}: duplicate area code {area_code!r}: named {first[1]!r} on line {first[2]} and"
                f" {area_name!r} here"
            )
            continue
        if not lsoa:
            blank_lsoa_lines.setdefault(area_code, []).append(line)
            continue
        if not re.fullmatch(ENGLISH_LSOA21_PATTERN, lsoa):
            kind = (
                "is not an English LSOA 2021 code (English codes are E01 and six digits)"
                if re.fullmatch(ANY_GSS_CODE_PATTERN, lsoa)
                else "is not an LSOA 2021 code (E01 and six digits)"
            )
            problems.append(f"line {line}: LSOA 2021 code {lsoa!r} of area {area_code!r} {kind}")
            continue
        if known_lsoa21_codes is not None and lsoa not in known_lsoa21_codes:
            problems.append(
                f"line {line}: unknown LSOA 2021 code {lsoa!r} of area {area_code!r}: not in the registered lookup"
                f" {LSOA21_LOOKUP_SOURCE}"
            )
            continue
        earlier = lsoa_first_seen.get((area_set, lsoa))
        if earlier is not None:
            where = "listed twice in area" if earlier[0] == area_code else f"in area {earlier[0]!r} and in area"
            problems.append(
                f"line {line}: LSOA 2021 code {lsoa!r} is {where} {area_code!r} of set {area_set!r} (first on line"
                f" {earlier[1]}): an LSOA belongs to one area of a set"
            )
            continue
        lsoa_first_seen[(area_set, lsoa)] = (area_code, line)
        areas_with_lsoas.add(area_code)
        rows.append(CustomAreaRow(line, area_set, area_code, area_name, lsoa))

    for area_code, lines in blank_lsoa_lines.items():
        if area_code in areas_with_lsoas:
            problems.extend(f"line {n}: lsoa21_code blank in area {area_code!r}" for n in lines)
        else:
            problems.append(
                f"line {lines[0]}: empty area {area_code!r}: it has no LSOA 2021 codes (lsoa21_code blank on every"
                " row of the area)"
            )
    if not problems and not rows:
        problems.append("line 2: no areas (the file has a header and nothing else)")
    if problems:
        problems.sort(key=_line_of)
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        raise CustomAreasError(
            f"custom areas file {path} is refused ({len(problems)} problem{'s' if len(problems) > 1 else ''});"
            " nothing was built or published from it:\n"
            + "\n".join(f"  {path}, {problem}" for problem in shown)
            + (f"\n  ... and {more} more" if more else "")
        )
    return rows


def _line_of(problem: str) -> int:
    match = re.match(r"line (\d+):", problem)
    return int(match.group(1)) if match else 0
