"""Snapshot mirrors for rebuild tests: the shared snapshot, symlinked file by file, with one file republished."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

REVISED_SOURCE = "ons_els_claimant_count"
REVISED_FILE = "ons_explore_local_statistics/claimant-count.csv"


def mirror_with_revised_claimant_counts(snapshot_dir: Path, target: Path) -> int:
    """A mirror identical to the snapshot except that ONS republished every 2025 claimant rate, +0.1 points.
    Returns how many rates were revised."""
    shutil.copytree(snapshot_dir, target, copy_function=lambda src, dst: Path(dst).symlink_to(src))
    rows = list(csv.reader(io.StringIO((snapshot_dir / REVISED_FILE).read_text(encoding="utf-8-sig"))))
    revised = 0
    for row in rows[1:]:
        if row[4].startswith("2025") and row[5].replace(".", "", 1).isdigit():
            row[5] = f"{float(row[5]) + 0.1:.1f}"
            revised += 1
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    changed = target / REVISED_FILE
    changed.unlink()
    changed.write_text(out.getvalue(), encoding="utf-8-sig")
    return revised
