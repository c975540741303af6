"""Analysts reading `releases/latest` while a rebuild publishes a new release never see an error."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import pytest

from tests.conftest import PROJECT_ROOT, run_cli
from tests.sigkill import releases
from tests.snapshots import mirror_with_revised_claimant_counts

pytestmark = pytest.mark.e2e

READERS = 4

# Reopens the published file for every query, as a script or BI tool polling it would; the README's queries.
READER = r"""
import json, sys, time
from pathlib import Path
import duckdb
database, stop = Path(sys.argv[1]), Path(sys.argv[2])
queries = [
    "show tables",
    "select icb_name, round(100 * value, 1), method from icb_indicators"
    " where indicator_id = 'imd2025_most_deprived_decile_population_share' and icb_vintage = 'ICB26'"
    " order by value desc",
    "select period, value, lower_ci, upper_ci, value_status, coverage, method from icb_indicators"
    " where indicator_id = 'employment_rate_16_64' and icb_code = 'E54000048' and icb_vintage = 'ICB24'"
    " order by period_start",
]
done, errors, releases_seen = 0, [], set()
while not stop.exists():
    for sql in queries:
        try:
            con = duckdb.connect(str(database), read_only=True)
            try:
                rows = con.sql(sql).fetchall()
                assert rows, sql
                releases_seen.add(str(database.resolve().parent.name))
            finally:
                con.close()
            done += 1
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
    time.sleep(0.01)
print(json.dumps({"queries": done, "errors": errors[:10], "error_count": len(errors),
                  "releases_seen": sorted(releases_seen)}))
"""


def test_four_readers_see_no_errors_during_a_rebuild(built_warehouse, snapshot_dir, tmp_path):
    warehouse = tmp_path / "warehouse"
    shutil.copytree(built_warehouse, warehouse, symlinks=True)
    old = releases(warehouse / "releases")[-1].name
    mirror = tmp_path / "snapshot"
    mirror_with_revised_claimant_counts(snapshot_dir, mirror)
    stop = tmp_path / "stop"
    database = warehouse / "releases" / "latest" / "ics_baseline.duckdb"
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(database), str(stop)],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(READERS)
    ]
    try:
        # a republished source: an incremental rebuild that publishes a new release while the readers read
        build = run_cli("build", "--snapshot", str(mirror), "--warehouse", str(warehouse))
        time.sleep(2)  # a few reads of the new release too
    finally:
        stop.touch()
        outputs = [reader.communicate(timeout=120) for reader in readers]
    assert build.returncode == 0, build.stderr[-4000:]
    new = releases(warehouse / "releases")[-1].name
    assert new != old
    reports = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    print(json.dumps(reports))
    assert all(r["queries"] > 0 for r in reports), reports
    assert [r["error_count"] for r in reports] == [0] * READERS, reports
    assert any(new in r["releases_seen"] for r in reports), reports
