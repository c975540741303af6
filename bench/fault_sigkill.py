"""Fault test: SIGKILL `ics-baseline build` at seeded random moments and check the published releases.

    python3 -m uv run --locked python bench/fault_sigkill.py [--trials 10] [--seed 20261124]

One warehouse is reused: a first build publishes a release, then each trial starts a build and kills its
process group either a random delay after start (spread over a measured build's duration) or a random delay after
the publication's `.staging-*` directory appears. After every kill: earlier releases are byte-identical, any new
release is complete (manifest.json, every file's sha256), `latest` points at a complete release, no staging
directory is a release. A final build must succeed and leave no staging directory. Results go to
bench/results/sigkill.json. bench/fault_sigkill_rebuild.py kills a one-source rebuild and its redo at observed
moments; CI (tests/test_incremental_e2e.py) kills that rebuild during its publication, then redoes it.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.sigkill import Trial, as_dict, check_warehouse, kill_trial, releases, run_build  # noqa: E402

SNAPSHOT = ROOT.parent / "shared" / "snapshot"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--publication-share", type=float, default=0.3, help="share of kills during publication")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="sigkill_wh_") as tmp:
        warehouse = Path(tmp)
        started = time.perf_counter()
        first = run_build(SNAPSHOT, warehouse)
        first_seconds = round(time.perf_counter() - started, 1)
        if first.returncode != 0:
            raise SystemExit(f"first build failed:\n{first.stderr[-3000:]}")
        started = time.perf_counter()
        warm = run_build(SNAPSHOT, warehouse)
        warm_seconds = round(time.perf_counter() - started, 1)
        if warm.returncode != 0:
            raise SystemExit(f"warm build failed:\n{warm.stderr[-3000:]}")
        n_publication = round(args.trials * args.publication_share)
        modes = ["during_publication"] * n_publication + ["after_start"] * (args.trials - n_publication)
        rng.shuffle(modes)
        trials = []
        for n, mode in enumerate(modes, 1):
            delay = rng.uniform(0, 3) if mode == "during_publication" else rng.uniform(1, warm_seconds)
            trial = kill_trial(Trial(n=n, mode=mode, delay=round(delay, 2)), SNAPSHOT, warehouse)
            print(json.dumps(as_dict(trial)), flush=True)
            trials.append(trial)
        before = {p.name: None for p in releases(warehouse / "releases")}
        final = run_build(SNAPSHOT, warehouse)
        if final.returncode != 0:
            raise SystemExit(f"the build after the kills failed:\n{final.stderr[-3000:]}")
        _, latest, staging_left = check_warehouse(warehouse / "releases", {})
        assert staging_left == 0 and latest not in before, (staging_left, latest)
    result = {
        "benchmark": "sigkill_during_build",
        "recorded_at": datetime.now(UTC).isoformat(),
        "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
        "seed": args.seed,
        "first_build_seconds": first_seconds,
        "warm_build_seconds": warm_seconds,
        "trials": [as_dict(t) for t in trials],
        "killed_during_publication": sum(t.phase == "publication" for t in trials),
        "invariant_violations": 0,
        "final_build": {"exit_code": final.returncode, "latest": latest, "staging_left": staging_left},
    }
    out = ROOT / "bench" / "results" / "sigkill.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
