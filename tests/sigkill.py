"""SIGKILL a running `ics-baseline build` and check what a reader of the warehouse would then see.

Shared by tests/test_incremental_e2e.py (one kill in CI), bench/fault_sigkill_rebuild.py (kills at observed
moments of a one-source rebuild) and bench/fault_sigkill.py (the full seeded run). A trial
kills one build at a chosen moment (a delay after start, or a delay after the hidden `.staging-*` directory of the
publication appears); `check_warehouse` then asserts the publication invariants.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.conftest import cli_command, cli_env

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Trial:
    n: int
    mode: str  # "after_start", "at_step" (a step's start in the build's event log) or "during_publication"
    delay: float
    step: str | None = None  # for "at_step": the Dagster step key whose event triggers the kill
    event: str = "STEP_START"  # for "at_step": which of that step's events (e.g. ASSET_MATERIALIZATION)
    killed_at: float | None = None  # seconds after start; None: the build finished first
    phase: str = ""  # what was happening at the kill
    exit_code: int | None = None
    releases_before: int = 0
    releases_after: int = 0
    staging_left: int = 0
    new_complete_release: bool = False
    latest: str | None = None


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def releases(releases_dir: Path) -> list[Path]:
    """Visible releases: the directories a reader can name (hidden staging directories are not releases)."""
    if not releases_dir.exists():
        return []
    return sorted(p for p in releases_dir.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith("."))


def assert_complete(release: Path) -> None:
    manifest_path = release / "manifest.json"
    assert manifest_path.is_file(), f"{release.name}: no manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest["release_id"] == release.name
    listed = manifest["files"]
    on_disk = {str(p.relative_to(release)) for p in release.rglob("*") if p.is_file()} - {"manifest.json"}
    assert set(listed) == on_disk, f"{release.name}: files differ from the manifest"
    for name, meta in listed.items():
        data = (release / name).read_bytes()
        assert len(data) == meta["bytes"] and hashlib.sha256(data).hexdigest() == meta["sha256"], name


def check_warehouse(releases_dir: Path, before: dict[str, dict[str, str]]) -> tuple[bool, str | None, int]:
    """Assert the invariants; returns (a new complete release exists, latest's name, staging dirs left)."""
    now = {p.name: p for p in releases(releases_dir)}
    for name, digest in before.items():
        assert name in now, f"release {name} disappeared"
        assert tree_digest(now[name]) == digest, f"release {name} changed"
    new = [p for name, p in now.items() if name not in before]
    for release in new:
        assert_complete(release)
    latest = None
    link = releases_dir / "latest"
    if before or link.exists():
        assert link.is_symlink(), "latest is missing"
        target = link.resolve()
        assert target.parent == releases_dir.resolve() and not target.name.startswith("."), target
        assert target.name in now, f"latest points at {target.name}, not a release"
        assert_complete(target)
        latest = target.name
    staging = [p for p in releases_dir.glob(".staging-*")] if releases_dir.exists() else []
    return bool(new), latest, len(staging)


def build_command(snapshot: Path, warehouse: Path, force: bool = True) -> list[str]:
    # --force (the default): full rebuilds on an unchanged snapshot, which would otherwise find nothing to do
    flags = ["--force"] if force else []
    return cli_command("build", *flags, "--snapshot", str(snapshot), "--warehouse", str(warehouse))


def run_build(snapshot: Path, warehouse: Path) -> subprocess.CompletedProcess:
    return subprocess.run(build_command(snapshot, warehouse), cwd=ROOT, env=cli_env(), capture_output=True, text=True)


def step_started(events_log: Path, step: str, event_type: str = "STEP_START") -> bool:
    """Whether the build's JSON-lines event log (line-buffered, truncated when a build starts) shows `step` start
    (or another of its events)."""
    try:
        lines = events_log.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return False
    for line in lines:
        try:
            event = json.loads(line)
        except json.JSONDecodeError:  # the line being written
            continue
        if event.get("event") == event_type and event.get("step") == step:
            return True
    return False


def kill_trial(
    trial: Trial, snapshot: Path, warehouse: Path, timeout: float = 900, build: list[str] | None = None
) -> Trial:
    """Start a build (a forced full one unless `build` gives the command), SIGKILL its whole process group at the
    trial's moment, check the warehouse. The phase is what was observed when the kill landed: "build" (no
    publication started), "publication" (a new staging directory existed), or "finished before the kill"."""
    releases_dir = warehouse / "releases"
    events_log = warehouse / "logs" / "build-events.jsonl"
    before = {p.name: tree_digest(p) for p in releases(releases_dir)}
    # Staging left by an earlier kill stays until this build's publication clears it; only a new one counts.
    abandoned = set(releases_dir.glob(".staging-*")) if releases_dir.exists() else set()
    trial.releases_before = len(before)
    started = time.monotonic()
    if events_log.exists():
        events_log.unlink()  # so an earlier build's events are never mistaken for this one's
    proc = subprocess.Popen(
        build or build_command(snapshot, warehouse),
        cwd=ROOT,
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # dbt runs as a child process: kill the whole group, as an OOM killer or reboot would
    )
    deadline = started + trial.delay if trial.mode == "after_start" else None
    while proc.poll() is None and time.monotonic() - started < timeout:
        if deadline is None and trial.mode == "at_step" and step_started(events_log, trial.step or "", trial.event):
            deadline = time.monotonic() + trial.delay
        publishing = trial.mode == "during_publication" and releases_dir.exists()
        if deadline is None and publishing and set(releases_dir.glob(".staging-*")) - abandoned:
            deadline = time.monotonic() + trial.delay
        if deadline is not None and time.monotonic() >= deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            trial.killed_at = round(time.monotonic() - started, 2)
            break
        time.sleep(0.02)
    if proc.poll() is None and trial.killed_at is None:  # the timeout: never leave a build running
        os.killpg(proc.pid, signal.SIGKILL)
    trial.exit_code = proc.wait()
    if trial.killed_at is None:
        trial.phase = "finished before the kill"
    else:
        staged = releases_dir.exists() and set(releases_dir.glob(".staging-*")) - abandoned
        trial.phase = "publication" if staged else "build"
    trial.new_complete_release, trial.latest, trial.staging_left = check_warehouse(releases_dir, before)
    trial.releases_after = len(releases(releases_dir))
    return trial


def as_dict(trial: Trial) -> dict:
    return asdict(trial)
