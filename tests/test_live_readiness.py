"""The README's "Live readiness" table lists every registered source with its verification as the registry states it."""

from __future__ import annotations

import re

from pipelines.registry import load_registry
from pipelines.settings import PROJECT_ROOT


def _table() -> dict[str, str]:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- live-readiness:begin -->")[1].split("<!-- live-readiness:end -->")[0]
    rows = {}
    for line in block.splitlines():
        match = re.match(r"^\| `([a-z0-9_]+)` \| .* \| (yes|no) \| .*\|$", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


def test_every_source_is_in_the_live_readiness_table_as_the_registry_says():
    registry = load_registry(PROJECT_ROOT / "sources.yaml")
    table = _table()
    assert set(table) == {source.id for source in registry.sources}
    for source in registry.sources:
        verified = source.live.verified
        assert verified is not None, f"{source.id}: no live.verified"
        assert table[source.id] == ("yes" if verified.checked_on else "no"), source.id
        if verified.checked_on is None:
            assert verified.reason, f"{source.id}: unverified without a reason"
