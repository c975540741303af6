"""The README's "Live readiness" table, written from the registry (`live.verified`, `live.serves`, `live.kind`).

`python -m pipelines.live_readiness` rewrites the block between the README's live-readiness markers;
tests/test_live_readiness.py fails when the README and the registry disagree, so the table cannot go stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pipelines.registry import Registry, Source, load_registry
from pipelines.settings import PROJECT_ROOT

BEGIN, END = "<!-- live-readiness:begin -->", "<!-- live-readiness:end -->"
MAX_CELL = 150


def _cell(text: str, limit: int = MAX_CELL) -> str:
    text = " ".join(str(text).split()).replace("|", "/")
    return text if len(text) <= limit else text[: limit - 4].rstrip() + " ..."


def layout_difference(source: Source) -> str:
    """How the publisher's file differs from the snapshot copy, as the registry states it."""
    serves = source.live.serves
    if serves is None:
        return "same as the snapshot"
    parts = []
    live, snapshot = source.file_format("live"), source.format
    if live.type != snapshot.type:
        parts.append(f"{live.type}" + (f" sheet {live.sheet!r}" if live.sheet else "") + f" (snapshot {snapshot.type})")
    elif live.encoding != snapshot.encoding:
        parts.append(f"{live.encoding} (snapshot {snapshot.encoding})")
    if serves.headers:
        parts.append(f"publisher headers for {len(serves.headers)} columns")
    return "; ".join(parts) or "as declared in live.serves"


def readiness_rows(registry: Registry) -> list[str]:
    rows = [
        "| source | live kind | publisher format | vs the snapshot copy | verified | evidence, or why not |",
        "|---|---|---|---|---|---|",
    ]
    for source in registry.sources:
        verified = source.live.verified
        if verified is None:
            raise ValueError(f"source {source.id}: no live.verified (what the publisher serves, and the evidence)")
        done = verified.checked_on is not None
        why = "; ".join(verified.evidence[:2]) if done else (verified.reason or "")
        rows.append(
            f"| `{source.id}` | {source.live.kind} | {_cell(verified.publisher_format, 110)} | "
            f"{layout_difference(source)} | {'yes' if done else 'no'} | {_cell(why)} |"
        )
    return rows


def summary(registry: Registry) -> str:
    unverified = [s for s in registry.sources if s.live.verified is None or s.live.verified.checked_on is None]
    differing = [s for s in registry.sources if s.live.serves is not None]
    return (
        f"{len(registry.sources) - len(unverified)} of {len(registry.sources)} sources are verified "
        f"({len(unverified)} not: {', '.join(f'`{s.id}`' for s in unverified) or 'none'}); for "
        f"{len(differing)} the publisher serves another layout than the snapshot copy, which `live.serves` states."
    )


def render(readme: str, registry: Registry) -> str:
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    block = "\n".join([summary(registry), "", *readiness_rows(registry)])
    return f"{head}{BEGIN}\n{block}\n{END}{tail}"


def main() -> int:
    readme = PROJECT_ROOT / "README.md"
    registry = load_registry(Path(sys.argv[1]) if len(sys.argv) > 1 else PROJECT_ROOT / "sources.yaml")
    readme.write_text(render(readme.read_text(encoding="utf-8"), registry), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
