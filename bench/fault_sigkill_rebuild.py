"""Fault test: SIGKILL a one-source rebuild, then the build that redoes it, at moments observed in the warehouse.

    python3 -m uv run --locked python bench/fault_sigkill_rebuild.py [--warehouse PUBLISHED_BUILD]

On a warehouse holding a published snapshot build (a copy of --warehouse, or a first build made here), with the
claimant counts republished (tests/snapshots.py): the one-source rebuild is killed half a second after its
`.staging-*` directory appears (its release half written); the next build, which redoes that rebuild, is killed
as soon as the changed source's raw table is written (its materialisation event: the database is dirty); then a
build must redo the rebuild again, publish, and leave no staging. After each kill: earlier releases
byte-identical, `latest` complete, no clean marker to build on. A trial whose build ended before its moment is a
failure. Results go to bench/results/sigkill_rebuild.json. CI (tests/test_incremental_e2e.py) keeps the first
kill and the recovering build, which is its one-source rebuild.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.incremental import MARKER_NAME  # noqa: E402
from tests.conftest import cli_command, cli_env  # noqa: E402
from tests.sigkill import Trial, as_dict, build_command, check_warehouse, kill_trial, releases, tree_digest  # noqa: E402
from tests.snapshots import REVISED_SOURCE, mirror_with_revised_claimant_counts  # noqa: E402

SNAPSHOT = ROOT.parent / "shared" / "snapshot"


def clean_marker(warehouse: Path) -> dict | None:
    path = warehouse / "build" / MARKER_NAME
    marker = json.loads(path.read_text()) if path.exists() else None
    return marker if marker is not None and marker.get("dirty_run") is None else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warehouse", type=Path, help="a published snapshot build to copy (default: build one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sigkill_rebuild_") as tmp:
        warehouse, mirror = Path(tmp) / "warehouse", Path(tmp) / "snapshot"
        started = time.perf_counter()
        if args.warehouse:
            shutil.copytree(args.warehouse, warehouse, symlinks=True)
        else:
            first = subprocess.run(build_command(SNAPSHOT, warehouse), cwd=ROOT, env=cli_env(), capture_output=True)
            if first.returncode != 0:
                raise SystemExit(f"first build failed:\n{first.stderr.decode()[-3000:]}")
        setup_seconds = round(time.perf_counter() - started, 1)
        mirror_with_revised_claimant_counts(SNAPSHOT, mirror)
        first_release = releases(warehouse / "releases")[-1]
        first_digest = tree_digest(first_release)
        command = build_command(mirror, warehouse, force=False)

        moments = [
            Trial(1, "during_publication", 0.5),
            Trial(2, "at_step", 0.0, step=f"raw__{REVISED_SOURCE}", event="ASSET_MATERIALIZATION"),
        ]
        trials, violations = [], []
        for moment in moments:
            trial = kill_trial(moment, mirror, warehouse, build=command)
            print(json.dumps(as_dict(trial)), flush=True)
            trials.append(trial)
            expected_phase = "publication" if moment.mode == "during_publication" else "build"
            if trial.phase != expected_phase or trial.exit_code != -9:
                violations.append(f"trial {trial.n}: {trial.phase}, exit {trial.exit_code}")
            if trial.latest != first_release.name or trial.new_complete_release:
                violations.append(f"trial {trial.n}: latest {trial.latest}")
            if clean_marker(warehouse) is not None:
                violations.append(f"trial {trial.n}: a clean marker was left to build on")
            if tree_digest(first_release) != first_digest:
                violations.append(f"trial {trial.n}: the first release changed")

        started = time.perf_counter()
        final = subprocess.run(
            cli_command("build", "--snapshot", str(mirror), "--warehouse", str(warehouse)),
            cwd=ROOT,
            env=cli_env(),
            capture_output=True,
            text=True,
        )
        final_seconds = round(time.perf_counter() - started, 1)
        if final.returncode != 0:
            raise SystemExit(f"the build after the kills failed:\n{final.stderr[-3000:]}")
        _, latest, staging_left = check_warehouse(warehouse / "releases", {})
        redone = f"rebuilding {REVISED_SOURCE} and what depends on them" in final.stdout
        redone = redone and "redoing run" in final.stdout
        if not redone:
            violations.append("the final build did not redo the one-source rebuild")
        if staging_left or latest == first_release.name or tree_digest(first_release) != first_digest:
            violations.append(f"final build: latest {latest}, staging left {staging_left}")
        if (clean_marker(warehouse) or {}).get("release_id") != latest:
            violations.append("final build: the marker does not name the new release")
    result = {
        "benchmark": "sigkill_one_source_rebuild",
        "recorded_at": datetime.now(UTC).isoformat(),
        "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
        "setup": "copy of a published build" if args.warehouse else "first build",
        "setup_seconds": setup_seconds,
        "trials": [as_dict(t) for t in trials],
        "invariant_violations": len(violations),
        "violations": violations,
        "final_build": {
            "exit_code": final.returncode,
            "seconds": final_seconds,
            "redid_the_rebuild": redone,
            "latest": latest,
            "staging_left": staging_left,
        },
    }
    out = ROOT / "bench" / "results" / "sigkill_rebuild.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    if violations:
        raise SystemExit("invariants violated: " + "; ".join(violations))


if __name__ == "__main__":
    main()
