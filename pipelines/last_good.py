"""The last good artefact of each source: what a build falls back on when a publisher is unavailable.

"Good" means published: after a release is made, every artefact that went into it is kept under
`landing/<source id>/last_good/` (a hard link to the landed file where the filesystem allows, so no copy) with its
provenance beside it. Landing a later artefact replaces the landed file by rename, which leaves the link intact,
and an artefact that fails to parse or fails a blocking check never reaches a release, so it never becomes the
fallback.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pipelines.fetch import FetchedArtefact

LAST_GOOD_DIR = "last_good"
PROVENANCE_FILE = "provenance.json"


@dataclass(frozen=True)
class LastGood:
    artefact: FetchedArtefact

    @property
    def retrieved_at(self) -> datetime:
        return self.artefact.retrieved_at


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _write_atomically(target: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    Path(tmp).replace(target)


def _link_or_copy_atomically(source: Path, target: Path) -> None:
    tmp = target.parent / f".{target.name}.{os.getpid()}.part"
    tmp.unlink(missing_ok=True)
    try:
        os.link(source, tmp)
    except OSError:
        shutil.copy2(source, tmp)
    tmp.replace(target)


def last_good_dir(landing_dir: Path, source_id: str) -> Path:
    return landing_dir / source_id / LAST_GOOD_DIR


def remember_published(landing_dir: Path, sources: Iterable[Mapping[str, Any]]) -> list[str]:
    """Keep each freshly fetched artefact of a just-published release as its source's last good one.

    `sources` are the manifest's per-source provenance rows. A stale source already falls back on its last good
    artefact; a landed file whose sha256 is not the published one (replaced since) is left alone. Returns the
    ids whose last good artefact changed.
    """
    changed = []
    for row in sources:
        if row.get("stale"):
            continue
        source_id, file_name, sha256 = row["source_id"], row["file_name"], row["sha256"]
        keep = last_good_dir(landing_dir, source_id)
        provenance_file = keep / PROVENANCE_FILE
        if provenance_file.is_file() and (keep / file_name).is_file():
            known = json.loads(provenance_file.read_text(encoding="utf-8"))
            if known.get("sha256") == sha256 and known.get("file_name") == file_name:
                continue
        landed = landing_dir / source_id / file_name
        if not landed.is_file() or _sha256(landed) != sha256:
            continue
        keep.mkdir(parents=True, exist_ok=True)
        _link_or_copy_atomically(landed, keep / file_name)
        provenance = {
            key: row[key]
            for key in ("source_id", "file_name", "source_url", "fetched_from", "fetch_mode", "sha256", "bytes")
        }
        provenance["retrieved_at"] = str(row["retrieved_at"])
        _write_atomically(provenance_file, json.dumps(provenance, indent=2, default=str) + "\n")
        # Files of earlier names (a publisher renamed its download) are no longer the last good artefact.
        for old in keep.iterdir():
            if old.name not in (file_name, PROVENANCE_FILE) and not old.name.startswith("."):
                old.unlink()
        changed.append(source_id)
    return changed


def find_last_good(landing_dir: Path, source_id: str) -> LastGood | None:
    """The source's last published artefact, if it is still there and intact."""
    keep = last_good_dir(landing_dir, source_id)
    provenance_file = keep / PROVENANCE_FILE
    if not provenance_file.is_file():
        return None
    known = json.loads(provenance_file.read_text(encoding="utf-8"))
    path = keep / known["file_name"]
    if not path.is_file() or _sha256(path) != known["sha256"]:
        return None
    return LastGood(
        FetchedArtefact(
            source_id=source_id,
            path=path,
            source_url=known["source_url"],
            fetched_from=known["fetched_from"],
            mode=known["fetch_mode"],
            retrieved_at=datetime.fromisoformat(known["retrieved_at"]),
            sha256=known["sha256"],
            bytes=int(known["bytes"]),
        )
    )
