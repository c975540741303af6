"""The report's charts as inline SVG, written directly at build time: no JavaScript, no charting library.

Each function takes plain rows (built by html_report) and returns one `<svg>` element as a string that is also
well-formed XML. Every text from the data is XML-escaped. Marks carry a `<title>` child, which browsers show on
hover; the values themselves are in the report's tables, so nothing is only in a picture.

Marks the browser test counts: spine markers have class `marker`; trend values are the dots of a
`<path class="points">`, one zero-length subpath (`M x,y h0`, drawn as a dot by its round cap) per value, a
tenth of the bytes of a `<circle>` each; map shapes are `<path class="area">`: the
neighbourhood map's in `<g class="neighbourhoods">` (one per MSOA, grouped by quintile so a shade is written
once per group), `<g class="places">` and `<g class="this-icb">`.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterable, Sequence
from datetime import date
from html import escape

import numpy as np

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


def esc(value: object) -> str:
    """Text or attribute value safe in XML and HTML (&, <, >, quotes)."""
    return escape(str(value), quote=True)


def num(value: float) -> str:
    """A coordinate to 0.1 px, without a trailing '.0'."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _svg_open(chart_id: str, width: float, height: float, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="{SVG_NS}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {num(width)} {num(height)}" width="{num(width)}" height="{num(height)}" '
        f'font-family="{esc(FONT)}" font-size="11">',
        f'<title id="{chart_id}-title">{esc(title)}</title>',
        f'<desc id="{chart_id}-desc">{esc(desc)}</desc>',
    ]


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


# ---------------------------------------------------------------------------------------------------------------
# Spine chart
# ---------------------------------------------------------------------------------------------------------------

SPINE_LABEL_WIDTH = 340
SPINE_WIDTH = 300
SPINE_TEXT_COLUMNS = (("significance_label", "vs England", 12), ("value_text", "This ICB", 122))
SPINE_TEXT_COLUMNS += (("england_text", "England", 222),)
SPINE_ROW = 17
SPINE_LABEL_CHARS = 52


def marker_path(shape: str, x: float, y: float, size: float = 6.0) -> str:
    """A significance marker centred on (x, y): the shape is part of the meaning, not only the colour. Only the
    first point is absolute, so the rest of the path is the same for every marker of a shape."""
    s = size
    if shape == "triangle-right":
        return f"M{num(x - s * 0.8)},{num(y - s)}l{num(s * 1.8)},{num(s)}l{num(-s * 1.8)},{num(s)}z"
    if shape == "triangle-left":
        return f"M{num(x + s * 0.8)},{num(y - s)}l{num(-s * 1.8)},{num(s)}l{num(s * 1.8)},{num(s)}z"
    if shape == "square":
        h = s * 0.8
        return f"M{num(x - h)},{num(y - h)}h{num(2 * h)}v{num(2 * h)}h{num(-2 * h)}z"
    r = s * 0.85
    return f"M{num(x - r)},{num(y)}a{num(r)},{num(r)} 0 1,0 {num(2 * r)},0a{num(r)},{num(r)} 0 1,0 {num(-2 * r)},0z"


def spine_svg(rows: Sequence[dict], significance: dict[str, dict], title: str, desc: str) -> str:
    """One row per indicator, grouped by domain: the ICB range (light), its middle half (dark), England at the
    centre, this ICB's marker (colour and shape by significance) and three text columns."""
    x0 = SPINE_LABEL_WIDTH
    width = x0 + SPINE_WIDTH + 310
    body: list[str] = []
    # legend
    legend_x = x0 - 200
    body.append(f'<text x="{legend_x}" y="14" font-weight="bold">Compared with England (95%):</text>')
    x = legend_x + 185
    for item in significance.values():
        body.append(
            f'<path d="{marker_path(item["shape"], x + 6, 10)}" fill="{item["colour"]}" stroke="#111" '
            f'stroke-width=".6"/><text x="{x + 16}" y="14">{esc(item["label"])}</text>'
        )
        x += 24 + 6.2 * len(item["label"])
    y = 34
    by_label = {item["label"]: item for item in significance.values()}
    domains: list[tuple[str, list[dict]]] = []
    for row in rows:
        if not domains or domains[-1][0] != row["domain"]:
            domains.append((row["domain"], []))
        domains[-1][1].append(row)
    for domain, domain_rows in domains:
        body.append(f'<text x="0" y="{y + 14}" font-size="13" font-weight="bold">{esc(domain.capitalize())}</text>')
        y += 34
        body.append(
            f'<text x="{x0 + SPINE_WIDTH / 2:g}" y="{y - 4}" text-anchor="middle" font-size="10" fill="#444">'
            "\u2190 worse\u2003England\u2003better \u2192</text>"
        )
        body.append('<g font-weight="bold">')
        for _, heading, offset in SPINE_TEXT_COLUMNS:
            body.append(f'<text x="{x0 + SPINE_WIDTH + offset}" y="{y - 4}">{esc(heading)}</text>')
        body.append("</g>")
        centre = x0 + SPINE_WIDTH / 2
        labels, full, middle, markers = [], [], [], []
        columns: list[list[str]] = [[] for _ in SPINE_TEXT_COLUMNS]
        for row in domain_rows:
            cy = y + 9  # whole pixels: the bars and the text sit on the pixel grid
            item = by_label.get(row["significance_label"], significance["not_compared"])
            lo, hi = round(x0 + row["x_min"] * SPINE_WIDTH), round(x0 + row["x_max"] * SPINE_WIDTH)
            q1, q3 = round(x0 + row["x_q1"] * SPINE_WIDTH), round(x0 + row["x_q3"] * SPINE_WIDTH)
            hover = (
                f"{row['title']} ({row['period']}): this ICB {row['value_text']}, England {row['england_text']}; "
                f"{row['significance_label']}; ICB range {row['range_text']}; {row['polarity_text']}"
            )
            text_y, bar_y = cy + 4, cy - 5
            labels.append(f'<text y="{text_y}">{esc(truncate(row["title"], SPINE_LABEL_CHARS))}</text>')
            full.append(f"M{lo},{bar_y}h{hi - lo}v10h{lo - hi}z")
            middle.append(f"M{q1},{bar_y}h{q3 - q1}v10h{q1 - q3}z")
            for column, (field, _, _) in zip(columns, SPINE_TEXT_COLUMNS, strict=True):
                column.append(f'<text y="{text_y}">{esc(row[field])}</text>')
            marker_x = x0 + row["x_value"] * SPINE_WIDTH
            markers.append(
                f'<path class="marker" data-x="{row["x_value"]:.4f}" d="{marker_path(item["shape"], marker_x, cy)}"'
                f' fill="{item["colour"]}"><title>{esc(hover)}</title></path>'
            )
            y += SPINE_ROW
        top = y - SPINE_ROW * len(domain_rows)
        # drawing order as the layers of a spine chart: ranges, England, markers; text beside
        body.append(f'<g transform="translate({x0 - 6},0)" text-anchor="end">{"".join(labels)}</g>')
        body.append(f'<path d="{"".join(full)}" fill="#e3e3e3"/><path d="{"".join(middle)}" fill="#a8a8a8"/>')
        body.append(f'<path d="M{centre:g},{top}V{y}" stroke="#111" stroke-width="1.5"/>')
        body.append(f'<g stroke="#111" stroke-width=".6">{"".join(markers)}</g>')
        for column, (_, _, offset) in zip(columns, SPINE_TEXT_COLUMNS, strict=True):
            body.append(f'<g transform="translate({x0 + SPINE_WIDTH + offset},0)">{"".join(column)}</g>')
        y += 22
    return "".join(_svg_open("spine-chart", width, y, title, desc)) + "".join(body) + "</svg>"


# ---------------------------------------------------------------------------------------------------------------
# Trend small multiples
# ---------------------------------------------------------------------------------------------------------------

TREND_COLUMNS = 3
TREND_PLOT_WIDTH = 210
TREND_PLOT_HEIGHT = 110
TREND_AXIS_WIDTH = 48
TREND_HEADER_LINES = 4
TREND_LINE_HEIGHT = 13
TREND_SERIES = {"This ICB": ("#1f5fa8", ""), "England": ("#111111", ' stroke-dasharray="5 3"')}


def nice_ticks(lo: float, hi: float, count: int = 4) -> tuple[float, float, list[float], float]:
    """d3-style nice domain and ticks: steps of 1, 2 or 5 times a power of ten."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = 0.0, 1.0
    if hi - lo <= 0:
        pad = abs(lo) * 0.05 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start, stop = math.floor(lo / step) * step, math.ceil(hi / step) * step
    n = round((stop - start) / step)
    return start, stop, [start + i * step for i in range(n + 1)], step


def tick_label(value: float, step: float) -> str:
    """A tick's number with as many decimals as the step needs, and thousands separators."""
    decimals = 0
    while decimals < 6 and abs(round(step, decimals) - step) > 1e-9 * step:
        decimals += 1
    if abs(value) < step / 1e6:
        value = 0.0
    return f"{value:,.{decimals}f}"


def year_ticks(first: date, last: date) -> list[date]:
    years = [date(y, 1, 1) for y in range(first.year, last.year + 2) if first <= date(y, 1, 1) <= last]
    for step in (1, 2, 5, 10, 20):
        picked = [d for d in years if d.year % step == 0]
        if len(picked) <= 5:
            return picked
    return years[:1]


def relative_path(points: Sequence[tuple[int, int]]) -> str:
    """Whole-pixel points as one path: the first absolute, the rest relative (`l dx,dy`), a minus sign doubling as
    the separator."""
    (x, y), text = points[0], ""
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        dx, dy = x1 - x0, y1 - y0
        text += (str(dx) if dx < 0 or not text else f",{dx}") + (str(dy) if dy < 0 else f",{dy}")
    return f"M{x},{y}" + (f"l{text}" if text else "")


def trend_svg(panels: Sequence[dict], title: str, desc: str) -> str:
    """Panels, each {"lines": [header lines], "series": {"This ICB": [(date, value, period, value text)],
    "England": [...]}}: one line chart per indicator, 3 to a row, each with its own scales.

    Each series is a `<g>` whose `<title>` lists every period and value (shown on hover over its line or any of its
    points), so the page states each figure once; its line and points take their colour from the group. The points
    are one path of zero-length subpaths whose round caps draw dots 5.6 px across, as a circle of radius 2 with a
    1.6 px outline would be."""
    cell_w = TREND_AXIS_WIDTH + TREND_PLOT_WIDTH + 26
    header_h = TREND_HEADER_LINES * TREND_LINE_HEIGHT + 4
    cell_h = header_h + TREND_PLOT_HEIGHT + 18 + 18
    legend_h = 26
    rows_n = math.ceil(len(panels) / TREND_COLUMNS)
    width = TREND_COLUMNS * cell_w
    height = legend_h + rows_n * cell_h
    out = _svg_open("trend-chart", width, height, title, desc)
    x = TREND_AXIS_WIDTH
    for name, (colour, dash) in TREND_SERIES.items():
        out.append(
            f'<path d="M{x},10h26" stroke="{colour}" stroke-width="2" fill="none"{dash}/>'
            f'<circle cx="{x + 13}" cy="10" r="3" fill="{colour}"/><text x="{x + 32}" y="14">{name}</text>'
        )
        x += 110
    # axes and tick labels of every panel share their style: one group, one style each
    out.append('<g font-size="10" fill="#444">')
    for i, panel in enumerate(panels):
        left = (i % TREND_COLUMNS) * cell_w + TREND_AXIS_WIDTH
        top = legend_h + (i // TREND_COLUMNS) * cell_h
        plot_top = top + header_h
        out.append(f'<g class="panel" transform="translate({left},{plot_top})">')
        lines = panel["lines"]
        first_y = -8 - TREND_LINE_HEIGHT * (len(lines) - 1)
        out.append(f'<text y="{first_y}" font-size="11" fill="#111">')
        for j, line in enumerate(lines):
            weight = ' font-weight="bold"' if j < len(lines) - 1 else ""
            step = f' dy="{TREND_LINE_HEIGHT}"' if j else ""
            out.append(f'<tspan x="0"{step}{weight}>{esc(line)}</tspan>')
        out.append("</text>")
        points = [p for series in panel["series"].values() for p in series]
        values = [p[1] for p in points]
        lo, hi, ticks, step = nice_ticks(min(values), max(values), 3)
        days = [p[0].toordinal() for p in points]
        d0, d1 = min(days), max(days)
        span = (d1 - d0) or 1

        def sx(d: date, d0=d0, span=span) -> int:
            return round((d.toordinal() - d0) / span * TREND_PLOT_WIDTH)

        def sy(v: float, lo=lo, hi=hi) -> int:
            return round(TREND_PLOT_HEIGHT - (v - lo) / (hi - lo) * TREND_PLOT_HEIGHT)

        # axes: y ticks with light grid, x year ticks
        first, last = date.fromordinal(d0), date.fromordinal(d1)
        years = year_ticks(first, last) or [first]
        grid = "".join(f"M0,{sy(t)}h{TREND_PLOT_WIDTH}" for t in ticks)
        marks = "".join(f"M{sx(tick)},{TREND_PLOT_HEIGHT}v4" for tick in years)
        out.append(f'<path d="{grid}" stroke="#e6e6e6"/>')
        out.append(f'<path d="M0,0V{TREND_PLOT_HEIGHT}H{TREND_PLOT_WIDTH}{marks}" stroke="#888" fill="none"/>')
        out.append('<g text-anchor="end" transform="translate(-4,4)">')
        out.extend(f'<text y="{sy(t)}">{tick_label(t, step)}</text>' for t in ticks)
        out.append(f'</g><g text-anchor="middle" transform="translate(0,{TREND_PLOT_HEIGHT + 15})">')
        out.extend(f'<text x="{sx(tick)}">{tick.year}</text>' for tick in years)
        out.append("</g>")
        for name, series in panel["series"].items():
            if not series:
                continue
            colour, dash = TREND_SERIES[name]
            coords = [(sx(d), sy(v)) for d, v, _, _ in series]
            listed = "; ".join(f"{period} {text}" for _, _, period, text in series)
            # the group's title names the series' every value; its line and points share its colour
            out.append(
                f'<g fill="{colour}" stroke="{colour}" stroke-width="1.6"><title>{esc(name)}: {esc(listed)}</title>'
            )
            out.append(f'<path d="{relative_path(coords)}" fill="none"{dash}/>')
            dots = "".join(f"M{cx},{cy}h0" for cx, cy in coords)
            out.append(f'<path class="points" d="{dots}" stroke-width="5.6" stroke-linecap="round"/>')
            out.append("</g>")
        out.append("</g>")
    out.append("</g></svg>")
    return "".join(out)


# ---------------------------------------------------------------------------------------------------------------
# Map
# ---------------------------------------------------------------------------------------------------------------

MAP_WIDTH = 520
MAP_HEIGHT = 480
MAP_LEGEND_WIDTH = 180
MAP_TOLERANCE_PX = 1.0
NO_DATA_FILL = "#f2f2f2"


def _rings(geometry: dict) -> list[list[list[float]]]:
    """Polygon or MultiPolygon as a flat list of rings (exterior and holes)."""
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


class Projection:
    """Spherical Mercator fitted to a lon/lat box inside width x height pixels (north up)."""

    def __init__(self, bounds: tuple[float, float, float, float], width: float, height: float, pad: float = 4):
        west, south, east, north = bounds
        self.x0, self.y0 = west, self._mercator_y(north)
        span_x = max(east - west, 1e-9)
        span_y = max(self.y0 - self._mercator_y(south), 1e-9)
        self.scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
        self.off_x = (width - span_x * self.scale) / 2
        self.off_y = (height - span_y * self.scale) / 2

    @staticmethod
    def _mercator_y(lat):
        return np.degrees(np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)))

    def __call__(self, lonlat: np.ndarray) -> np.ndarray:
        x = (lonlat[:, 0] - self.x0) * self.scale + self.off_x
        y = (self.y0 - self._mercator_y(lonlat[:, 1])) * self.scale + self.off_y
        return np.column_stack([x, y])

    @property
    def key(self) -> tuple:
        return (self.x0, self.y0, self.scale, self.off_x, self.off_y)


def bounds_of(geometries: Iterable[dict]) -> tuple[float, float, float, float]:
    west = south = math.inf
    east = north = -math.inf
    for geometry in geometries:
        for ring in _rings(geometry):
            a = np.asarray(ring, dtype=float)
            if a.size:
                west, south = min(west, a[:, 0].min()), min(south, a[:, 1].min())
                east, north = max(east, a[:, 0].max()), max(north, a[:, 1].max())
    return west, south, east, north


def simplify(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas-Peucker on a polyline in pixel space (iterative, numpy distances)."""
    n = len(points)
    if n <= 3:
        return points
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        segment = points[first + 1 : last]
        a, b = points[first], points[last]
        d = b - a
        length = math.hypot(d[0], d[1])
        rel = segment - a
        if length == 0:
            distances = np.hypot(rel[:, 0], rel[:, 1])
        else:
            distances = np.abs(rel[:, 0] * d[1] - rel[:, 1] * d[0]) / length
        i = int(np.argmax(distances))
        if distances[i] > tolerance:
            split = first + 1 + i
            keep[split] = True
            stack.append((first, split))
            stack.append((split, last))
    return points[keep]


def _ring_path(ring: list[list[float]], projection: Projection, tolerance: float) -> str:
    lonlat = np.asarray(ring, dtype=float)
    if len(lonlat) < 3:
        return ""
    pixels = projection(lonlat)
    # vertices in the same half-pixel cell as the one before add nothing at this scale: drop them first (cheap),
    # so Douglas-Peucker works on far fewer
    cells = np.floor(pixels * 2).astype(np.int64)
    pixels = pixels[np.concatenate([[True], np.any(cells[1:] != cells[:-1], axis=1)])]
    if len(pixels) < 3:
        return ""
    # split the closed ring at its farthest point from the start, so neither half starts and ends together
    far = int(np.argmax(np.hypot(*(pixels - pixels[0]).T)))
    kept = np.vstack([simplify(pixels[: far + 1], tolerance), simplify(pixels[far:], tolerance)[1:]])
    grid = np.rint(kept).astype(np.int64)  # whole pixels
    same = np.all(grid[1:] == grid[:-1], axis=1)
    grid = grid[np.concatenate([[True], ~same])]
    if len(grid) and (grid[-1] == grid[0]).all():
        grid = grid[:-1]
    if len(grid) < 3:
        return ""
    text = ""
    for dx, dy in np.diff(grid, axis=0).tolist():
        text += (str(dx) if dx < 0 or not text else f",{dx}") + (str(dy) if dy < 0 else f",{dy}")
    return f"M{grid[0][0]},{grid[0][1]}l{text}z"


_PATHS: dict[tuple, str] = {}


def area_path(geometry_json: str, projection: Projection, tolerance: float = MAP_TOLERANCE_PX) -> str:
    """A feature's compact path `d` (cached: every ICB of a region shares its districts and projection)."""
    key = (projection.key, tolerance, geometry_json)
    cached = _PATHS.get(key)
    if cached is not None:
        return cached
    geometry = json.loads(geometry_json)
    rings = _rings(geometry)
    d = "".join(_ring_path(ring, projection, tolerance) for ring in rings)
    if not d:
        # smaller than the tolerance everywhere: a dot where it is, so the shape is still there to hover
        lonlat = np.asarray([point for ring in rings for point in ring] or [[0.0, 0.0]], dtype=float)
        cx, cy = projection(lonlat).mean(axis=0)
        d = f"M{num(cx - 0.5)},{num(cy - 0.5)}h1v1h-1z"
    if len(_PATHS) > 20000:
        _PATHS.clear()
    _PATHS[key] = d
    return d


# ---------------------------------------------------------------------------------------------------------------
# Neighbourhood map
# ---------------------------------------------------------------------------------------------------------------

# Five shades of Vega's "purples" scheme (d3-scale-chromatic) for England's quintiles (1 = lowest values):
# darker for higher values.
QUINTILE_SHADES = ["#efedf5", "#bcbddc", "#9e9ac8", "#6a51a3", "#3f007d"]
NEIGHBOURHOOD_STYLES = {
    "neighbourhoods": 'stroke="#fff" stroke-width=".3"',
    "places": 'fill="none" stroke="#111" stroke-width="1.2" stroke-linejoin="round"',
    "this_icb": 'fill="none" stroke="#e4570f" stroke-width="2.6" stroke-linejoin="round"',
}


def neighbourhood_map_svg(
    neighbourhoods: Sequence[dict],
    places: Sequence[dict],
    icb: Sequence[dict],
    legend: Sequence[tuple[str, str]],
    legend_title: Sequence[str],
    title: str,
    desc: str,
) -> str:
    """The ICB's neighbourhoods shaded by quintile, its places outlined on top, the ICB's own outline last.

    neighbourhoods: {"geometry", "hover", "shade"}; places and icb: {"geometry", "hover"}; legend: (shade,
    label) per band, lowest first. The frame fits the ICB and its neighbourhoods (a place split
    across ICBs runs off the frame's edge)."""
    framed = [json.loads(f["geometry"]) for f in [*icb, *neighbourhoods]] or [json.loads(f["geometry"]) for f in places]
    projection = Projection(bounds_of(framed), MAP_WIDTH, MAP_HEIGHT)
    out = _svg_open("map-chart", MAP_WIDTH + MAP_LEGEND_WIDTH, MAP_HEIGHT, title, desc)
    out.append(f'<g class="neighbourhoods" {NEIGHBOURHOOD_STYLES["neighbourhoods"]}>')
    by_shade: dict[str, list[dict]] = {}
    for feature in neighbourhoods:
        by_shade.setdefault(feature["shade"], []).append(feature)
    for shade, group in by_shade.items():
        out.append(f'<g fill="{shade}">')
        out.extend(
            f'<path class="area" d="{area_path(f["geometry"], projection)}"><title>{esc(f["hover"])}</title></path>'
            for f in group
        )
        out.append("</g>")
    out.append("</g>")
    for name, features in (("places", places), ("this_icb", icb)):
        out.append(f'<g class="{name.replace("_", "-")}" {NEIGHBOURHOOD_STYLES[name]}>')
        out.extend(
            f'<path class="area" d="{area_path(f["geometry"], projection)}"><title>{esc(f["hover"])}</title></path>'
            for f in features
        )
        out.append("</g>")
    lx = MAP_WIDTH + 12
    for j, line in enumerate(legend_title):
        out.append(f'<text x="{lx}" y="{14 + j * 13}" font-weight="bold" font-size="10">{esc(line)}</text>')
    y = 24 + 13 * len(legend_title)
    out.append('<g font-size="10">')
    for shade, label in legend:
        out.append(f'<rect x="{lx}" y="{y}" width="16" height="12" fill="{shade}" stroke="#888"/>')
        out.append(f'<text x="{lx + 22}" y="{y + 10}">{esc(label)}</text>')
        y += 18
    y += 10
    for name, label in (("places", "Place (local authority)"), ("this_icb", "This ICB")):
        out.append(f'<path d="M{lx},{y}h16" {NEIGHBOURHOOD_STYLES[name]}/>')
        out.append(f'<text x="{lx + 22}" y="{y + 4}">{esc(label)}</text>')
        y += 18
    out.append("</g></svg>")
    return "".join(out)
