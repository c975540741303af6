"""The README's "Live readiness" table lists every registered source with its verification as the registry states it,
and at most 10% of sources are unverified, each with its reason."""

from __future__ import annotations

import re

from pipelines.live_readiness import BEGIN, END, render
from pipelines.registry import load_registry
from pipelines.settings import PROJECT_ROOT


def _rows(readme: str) -> dict[str, str]:
    block = readme.split(BEGIN)[1].split(END)[0]
    rows = {}
    for line in block.splitlines():
        match = re.match(r"^\| `([a-z0-9_]+)` \|.*\| (yes|no) \| [^|]*\|$", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


def test_the_readme_table_is_the_registrys():
    registry = load_registry(PROJECT_ROOT / "sources.yaml")
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == render(readme, registry), "README out of date: run `python -m pipelines.live_readiness`"
    table = _rows(readme)
    assert set(table) == {source.id for source in registry.sources}
    for source in registry.sources:
        verified = source.live.verified
        assert verified is not None, f"{source.id}: no live.verified"
        assert table[source.id] == ("yes" if verified.checked_on else "no"), source.id


def test_at_most_a_tenth_of_sources_are_unverified_and_each_says_why():
    registry = load_registry(PROJECT_ROOT / "sources.yaml")
    unverified = [s for s in registry.sources if s.live.verified is None or s.live.verified.checked_on is None]
    assert len(unverified) <= 0.10 * len(registry.sources), [s.id for s in unverified]
    for source in unverified:
        assert source.live.verified is not None and source.live.verified.reason, source.id
