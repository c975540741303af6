"""Parse a landed artefact into a table of text columns named as `sources.yaml` declares.

Everything stays text here: suppression markers such as `x` or `[c]` must survive to staging, where dbt turns them
into NULL plus a `value_status`. Publishers rename headers between releases, so each canonical column is found by
any of its aliases (compared case- and whitespace-insensitively); a missing one is an error naming the source,
the file and the column.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pandas as pd

from pipelines.registry import FileFormat, Source


class SourceFormatError(ValueError):
    """The artefact does not have the layout the registry declares."""

    def __init__(self, source: Source, file: Path, message: str, column: str | None = None) -> None:
        self.source_id = source.id
        self.file = file
        self.column = column
        where = f"source {source.id}, file {file.name}"
        if column:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")


def _norm(header: object) -> str:
    return re.sub(r"\s+", " ", str(header)).strip().casefold()


def _refuse_html(source: Source, path: Path) -> None:
    with path.open("rb") as handle:
        head = handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise SourceFormatError(source, path, "got an HTML page, not data (an error page served with status 200?)")


def _decode(source: Source, path: Path, fmt: FileFormat) -> str:
    data = path.read_bytes()
    try:
        return data.decode(fmt.encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        excerpt = data[max(exc.start - 20, 0) : exc.end + 20]
        raise SourceFormatError(
            source,
            path,
            f"cannot decode as {fmt.encoding} at line {line} (byte {exc.start}, near {excerpt!r}): "
            "the publisher changed encoding? set format.encoding",
        ) from None


def _read_csv(source: Source, path: Path, fmt: FileFormat) -> pd.DataFrame:
    lines = _decode(source, path, fmt).splitlines()
    rows = list(csv.reader(lines[fmt.header_row :], delimiter=fmt.delimiter))
    if not rows:
        raise SourceFormatError(source, path, "no rows")
    if fmt.no_header:
        width = max(len(r) for r in rows)
        header = [str(i) for i in range(1, width + 1)]
        body = rows
    else:
        header, body = rows[0], rows[1 + fmt.skip_rows_after_header :]
    width = len(header)
    ragged = [i for i, r in enumerate(body) if len(r) != width and any(cell.strip() for cell in r)]
    if ragged:
        first = ragged[0] + fmt.header_row + 2 + fmt.skip_rows_after_header
        raise SourceFormatError(
            source,
            path,
            f"{len(ragged)} rows have a different number of fields from the header (first: line {first})",
        )
    body = [r for r in body if len(r) == width]
    return pd.DataFrame(body, columns=_dedupe(header), dtype="string")


def _read_xlsx(source: Source, path: Path, fmt: FileFormat) -> pd.DataFrame:
    try:
        grid = pd.read_excel(path, sheet_name=fmt.sheet, header=None, dtype=object, engine="calamine")
    except ValueError as exc:
        raise SourceFormatError(source, path, f"cannot read sheet {fmt.sheet!r}: {exc}") from None
    except Exception as exc:  # calamine raises its own types for a corrupt or non-xlsx file
        raise SourceFormatError(source, path, f"not a readable xlsx workbook: {exc}") from None
    header_row = fmt.header_row
    if fmt.header_anchor:
        anchor = _norm(fmt.header_anchor)
        matches = [i for i, row in grid.iterrows() if any(_norm(v) == anchor for v in row if pd.notna(v))]
        if not matches:
            raise SourceFormatError(source, path, f"no header row containing {fmt.header_anchor!r} in {fmt.sheet}")
        header_row = int(matches[0])
    header = [cell_text(v) or "" for v in grid.iloc[header_row]]
    body = grid.iloc[header_row + 1 + fmt.skip_rows_after_header :]
    frame = pd.DataFrame(body.to_numpy(), columns=_dedupe(header))
    return frame.map(cell_text).astype("string")


def cell_text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_geojson(source: Source, path: Path, fmt: FileFormat) -> pd.DataFrame:
    try:
        doc = json.loads(_decode(source, path, fmt))
    except json.JSONDecodeError as exc:
        raise SourceFormatError(source, path, f"not valid JSON: {exc}") from None
    if doc.get("type") != "FeatureCollection":
        raise SourceFormatError(source, path, "not a GeoJSON FeatureCollection")
    records = [
        {**(f.get("properties") or {}), "geometry": json.dumps(f.get("geometry"), separators=(",", ":"))}
        for f in doc.get("features", [])
    ]
    return pd.DataFrame(records).map(lambda v: None if v is None else str(v)).astype("string")


def _dedupe(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in header:
        name = name.strip() or "unnamed"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def _read_rda(source: Source, path: Path, fmt: FileFormat) -> pd.DataFrame:
    """An R data file (`.rda`, as R packages such as geographr publish their tables): one named data frame."""
    import pyreadr  # here: only the live path of a few sources reads R data

    try:
        objects = pyreadr.read_r(str(path))
    except Exception as exc:  # pyreadr raises its own types (and ValueError) for a corrupt or non-R file
        raise SourceFormatError(source, path, f"not a readable R data file: {exc}") from None
    if fmt.rda_object not in objects:
        found = list(objects)
        raise SourceFormatError(source, path, f"no data frame {fmt.rda_object!r} in the R data file; it holds {found}")
    frame = objects[fmt.rda_object]
    return pd.DataFrame({name: r_column_text(frame[name]) for name in frame.columns}, dtype="string")


def r_column_text(column: pd.Series) -> pd.Series:
    """An R column as text, as R packages' data files are written out to CSV: a numeric column whose values are
    all whole numbers as integers (years, counts), any other numeric column in Python's shortest round-trip
    form (so 98.0 stays 98.0 beside 98.5), and everything else as its value's text."""
    if column.dtype.kind != "f":
        return column.astype(object).map(cell_text)
    values = column.dropna()
    whole = bool(len(values)) and bool((values == values.round()).all())
    return column.astype(object).map(lambda v: None if pd.isna(v) else str(int(v)) if whole else repr(float(v)))


READERS = {"csv": _read_csv, "xlsx": _read_xlsx, "geojson": _read_geojson, "rda": _read_rda}


def _trim_footer(source: Source, path: Path, table: pd.DataFrame, fmt: FileFormat) -> pd.DataFrame:
    rule = fmt.trim_footer
    if rule.column not in table.columns:
        raise SourceFormatError(source, path, "trim_footer names a column that is not declared", column=rule.column)
    is_data = table[rule.column].fillna("").str.fullmatch(rule.pattern)
    if not is_data.any():
        raise SourceFormatError(source, path, f"no row matches {rule.pattern!r}", column=rule.column)
    last = int(is_data[is_data].index[-1])
    return table.iloc[: last + 1].reset_index(drop=True)


def read_source(source: Source, path: Path, mode: str = "snapshot") -> pd.DataFrame:
    """Read `path` as `source` and return text columns under their canonical names.

    `mode` is how the artefact was fetched: a live one is read in the publisher's layout (`live.serves`) where
    that differs from the snapshot copy, and both give the same canonical table."""
    _refuse_html(source, path)
    fmt = source.file_format(mode)
    frame = READERS[fmt.type](source, path, fmt)
    by_norm: dict[str, str] = {}
    for col in frame.columns:
        by_norm.setdefault(_norm(col), col)

    renames: dict[str, str] = {}
    for canonical, spec in source.columns.items():
        found = next((by_norm[_norm(a)] for a in spec.aliases if _norm(a) in by_norm), None)
        if found is None:
            if spec.required:
                raise SourceFormatError(
                    source,
                    path,
                    f"expected column missing (looked for {spec.aliases}; the file has {list(frame.columns)[:12]}"
                    f"{'...' if len(frame.columns) > 12 else ''})",
                    column=canonical,
                )
            frame[canonical] = pd.Series([None] * len(frame), dtype="string")
            continue
        renames[found] = canonical

    mapped = frame.rename(columns=renames)
    if source.keep_unlisted_columns:
        keep = list(source.columns) + [c for c in mapped.columns if c not in source.columns]
    else:
        keep = list(source.columns)
    table = mapped[keep].copy()
    # Trailing whitespace in codes and names is publisher noise ("nE54000008 "); strip, keep empty as NULL.
    # An empty cell is NULL, as in any CSV reader; staging decides whether NULL means missing or suppressed.
    for col in table.columns:
        table[col] = table[col].str.strip().replace("", pd.NA)
    table = table[~table.isna().all(axis=1)].reset_index(drop=True)
    if fmt.trim_footer is not None:
        table = _trim_footer(source, path, table, fmt)
    if table.empty:
        raise SourceFormatError(source, path, "no data rows")
    return table
