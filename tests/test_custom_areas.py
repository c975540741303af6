"""The custom areas file (`ics-baseline build --areas FILE`) is read and validated in one place, and every refusal
names the file, the line and the offending value (pipelines/custom_areas.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.areas import load_areas
from pipelines.custom_areas import CustomAreasError, custom_areas_fingerprint, read_custom_areas

BAD_FILES = Path(__file__).parent / "bad_inputs" / "custom_areas"
BUILTIN = list(load_areas().area_types)
# the registered lookup as a build loads it holds these two (Halton 001A and 001B), among 33,755
KNOWN = {"E01012392", "E01012393"}

# file -> what one problem line must say: its line and the value at fault
BAD_CASES = {
    "unknown_lsoa.csv": ("line 3:", "unknown LSOA 2021 code 'E01999999'", "ons_lsoa21_icb24_lookup"),
    "welsh_lsoa.csv": ("line 3:", "'W01000001'", "not an English LSOA 2021 code"),
    "lsoa_in_two_areas.csv": ("line 4:", "'E01012392'", "in area 'PCN01' and in area 'PCN02'", "first on line 2"),
    "empty_area.csv": ("line 3:", "empty area 'PCN02'"),
    "code_with_two_names.csv": ("line 3:", "duplicate area code 'PCN01'", "'Halton North PCN' on line 2"),
    "code_in_two_sets.csv": ("line 3:", "duplicate area code 'PCN01'", "area set 'pcn' on line 2", "'locality'"),
    "missing_column.csv": ("line 1:", "missing column(s) 'lsoa21_code'"),
    "builtin_area_type.csv": ("line 3:", "area_set 'icb'", "built-in area type"),
}


def test_every_bad_file_has_a_case():
    assert {p.name for p in BAD_FILES.glob("*.csv")} == set(BAD_CASES)


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_a_bad_file_is_refused_naming_the_file_the_line_and_the_value(name):
    path = BAD_FILES / name
    with pytest.raises(CustomAreasError) as refused:
        read_custom_areas(path, BUILTIN, KNOWN)
    lines = str(refused.value).splitlines()
    assert any(str(path) in line and all(part in line for part in BAD_CASES[name]) for line in lines), lines


def test_a_good_file_gives_its_rows_with_their_lines(tmp_path):
    path = tmp_path / "areas.csv"
    # a BOM and reordered, differently cased columns (Excel's CSV), an extra column, a trailing blank line
    path.write_text(
        "\ufeffLSOA21_code,Area_Name,area_code,area_set,notes\n"
        "E01012392,Halton North PCN,PCN01,pcn,first\n"
        " E01012393 ,Halton North PCN,PCN01,pcn,\n"
        "E01012392,Halton,HAL,locality,an LSOA may be in one area of each set\n"
        "\n",
        encoding="utf-8",
    )
    rows = read_custom_areas(path, BUILTIN, KNOWN)
    assert [(r.line, r.area_set, r.area_code, r.area_name, r.lsoa21_code) for r in rows] == [
        (2, "pcn", "PCN01", "Halton North PCN", "E01012392"),
        (3, "pcn", "PCN01", "Halton North PCN", "E01012393"),
        (4, "locality", "HAL", "Halton", "E01012392"),
    ]


def test_without_the_lookup_codes_are_checked_for_form_only_and_every_problem_is_listed(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_text(
        "area_set,area_code,area_name,lsoa21_code\n"
        "pcn,PCN01,North,E01999999\n"  # well formed: only the lookup can refuse it
        "pcn,PCN 02,South,E01012393\n"
        "My Set,X1,X,E01012393\n"
        "pcn,PCN03,East,E0101239\n"
        "pcn,PCN01,North,E01999999\n",
        encoding="utf-8",
    )
    with pytest.raises(CustomAreasError) as refused:
        read_custom_areas(path, BUILTIN, known_lsoa21_codes=None)
    message = str(refused.value)
    assert "(4 problems)" in message
    assert "line 3: area code 'PCN 02' is not a code" in message
    assert "line 4: area_set 'My Set' is not an id" in message
    assert "line 5: LSOA 2021 code 'E0101239' of area 'PCN03' is not an LSOA 2021 code" in message
    assert "line 6: LSOA 2021 code 'E01999999' is listed twice in area 'PCN01'" in message
    assert ", line 2:" not in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "empty"),
        ("area_set,area_code,area_name,lsoa21_code\n", "line 2: no areas"),
        ("area_set,area_code,area_name,lsoa21_code\npcn,,North,E01012392\n", "line 2: area_code blank"),
        ("area_set,area_code,area_name,lsoa21_code\npcn,P1,North,E01012392,extra\n", "line 2: 5 fields"),
        ("area_set,area_code,area_name,lsoa21_code,area_code\n", "line 1: column(s) area_code given twice"),
        (
            "area_set,area_code,area_name,lsoa21_code\npcn,P1,North,E01012392\npcn,P1,North,\n",
            "line 3: lsoa21_code blank in area 'P1'",
        ),
    ],
)
def test_other_malformed_files_are_refused_by_line(tmp_path, content, expected):
    path = tmp_path / "areas.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CustomAreasError, match="custom areas file") as refused:
        read_custom_areas(path, BUILTIN, KNOWN)
    assert expected in str(refused.value)


def test_a_missing_or_binary_file_is_refused_by_name(tmp_path):
    with pytest.raises(CustomAreasError, match="not found"):
        read_custom_areas(tmp_path / "nowhere.csv", BUILTIN, KNOWN)
    binary = tmp_path / "areas.xlsx"
    binary.write_bytes(b"PK\x03\x04\xff\xfe\x00")
    with pytest.raises(CustomAreasError, match=r"areas\.xlsx: not UTF-8 text"):
        read_custom_areas(binary, BUILTIN, KNOWN)


def test_the_input_fingerprint_is_the_files_content(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_text("a", encoding="utf-8")
    first = custom_areas_fingerprint(path)
    path.write_text("b", encoding="utf-8")
    assert custom_areas_fingerprint(path) != first
    assert custom_areas_fingerprint(None) == "none"
