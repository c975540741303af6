"""Analysts polling `releases/latest` while a build publishes: reader processes for the rebuild tests.

Each reader reopens the published file for every query, as a script or BI tool polling it would, and runs the
README's queries. It stops once the test has named the new release (in the stop file) and the reader has run a
whole round of queries on that release, so the new release is read without guessing how long that takes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import PROJECT_ROOT

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
done, errors, releases_seen, rounds_on = 0, [], set(), {}
give_up = None
while True:
    target = stop.read_text().strip() if stop.exists() else None
    if target is not None:
        if rounds_on.get(target, 0) >= 1 or target == "":
            break
        give_up = give_up or time.monotonic() + 60
        if time.monotonic() > give_up:
            errors.append(f"never read release {target}")
            break
    release, ok = str(database.resolve().parent.name), True
    for sql in queries:
        try:
            con = duckdb.connect(str(database), read_only=True)
            try:
                rows = con.sql(sql).fetchall()
                assert rows, sql
                releases_seen.add(release)
            finally:
                con.close()
            done += 1
        except Exception as exc:
            ok = False
            errors.append(f"{type(exc).__name__}: {exc}")
    if ok and str(database.resolve().parent.name) == release:
        rounds_on[release] = rounds_on.get(release, 0) + 1
    time.sleep(0.25)  # a tool polling four times a second; faster only starves the build on 2 cores
print(json.dumps({"queries": done, "errors": errors[:10], "error_count": len(errors),
                  "releases_seen": sorted(releases_seen)}))
"""


@dataclass
class Readers:
    processes: list[subprocess.Popen]
    stop_file: Path

    def stop_after_reading(self, release_id: str) -> list[dict]:
        """Name the release to finish on (an empty name stops at once) and collect each reader's report."""
        self.stop_file.write_text(release_id)
        outputs = [reader.communicate(timeout=120) for reader in self.processes]
        return [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]


def start_readers(warehouse: Path, stop_file: Path, count: int = 4) -> Readers:
    database = warehouse / "releases" / "latest" / "ics_baseline.duckdb"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(database), str(stop_file)],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    return Readers(processes, stop_file)
