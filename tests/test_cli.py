"""The operator's CLI on a real built warehouse: status, sources, diff, query and help.

Every command runs as a subprocess, as an operator would run it. `sources check` probes a real HTTP server on
127.0.0.1 through a registry whose live URLs point at it.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler

import pytest
import yaml

from pipelines.areas import load_areas
from tests.conftest import PROJECT_ROOT, run_cli
from tests.http_fixtures import RecordingHTTPServer, running

pytestmark = pytest.mark.e2e


def test_help_documents_every_command():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("build", "pack", "status", "sources", "diff", "query"):
        assert command in result.stdout
        sub = run_cli(command, "--help")
        assert sub.returncode == 0 and "usage: ics-baseline" in sub.stdout, command


def test_status_reports_the_latest_release_and_every_source(built_warehouse):
    result = run_cli("status", "--warehouse", str(built_warehouse), "--json")
    assert result.returncode == 0, result.stderr
    status = json.loads(result.stdout)
    latest = (built_warehouse / "releases" / "latest").resolve()
    assert status["release"] == latest.name
    registry = yaml.safe_load((PROJECT_ROOT / "sources.yaml").read_text())
    assert [s["source_id"] for s in status["sources"]] == [s["id"] for s in registry["sources"]]
    assert {s["state"] for s in status["sources"]} == {"fresh"}
    assert status["checks"]["evaluated"] > 400
    assert status["checks"]["passed"] + len(status["failed_checks"]) == status["checks"]["evaluated"]
    table = run_cli("status", "--warehouse", str(built_warehouse))
    assert result.returncode == 0 and latest.name in table.stdout and "sources fetched on time" in table.stdout


def test_status_without_a_release_is_a_clear_usage_error(tmp_path):
    result = run_cli("status", "--warehouse", str(tmp_path))
    assert result.returncode == 2
    assert "no published release" in result.stderr and "ics-baseline build" in result.stderr


def test_query_is_read_only_and_formats_csv_and_json(built_warehouse):
    sql = "select icb_vintage, count(*) as icbs from icbs group by 1 order by 1"
    as_csv = run_cli("query", sql, "--warehouse", str(built_warehouse), "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    expected = sorted(load_areas().expected_areas("icb").items())
    assert as_csv.stdout.splitlines() == ["icb_vintage,icbs", *(f"{vintage},{icbs}" for vintage, icbs in expected)]
    as_json = run_cli("query", sql, "--warehouse", str(built_warehouse), "--format", "json")
    assert json.loads(as_json.stdout) == [{"icb_vintage": vintage, "icbs": icbs} for vintage, icbs in expected]
    write = run_cli("query", "delete from icbs", "--warehouse", str(built_warehouse))
    assert write.returncode == 2
    assert "read-only" in write.stderr
    count = run_cli("query", "select count(*) from icbs", "--warehouse", str(built_warehouse), "--format", "csv")
    assert count.stdout.splitlines()[1] == "120"
    bad = run_cli("query", "select * from no_such_table", "--warehouse", str(built_warehouse))
    assert bad.returncode == 2 and "no_such_table" in bad.stderr


def test_diff_compares_two_releases_by_id(built_warehouse):
    latest = (built_warehouse / "releases" / "latest").resolve().name
    result = run_cli("diff", latest, "latest", "--warehouse", str(built_warehouse), "--json")
    assert result.returncode == 0, result.stderr
    changes = json.loads(result.stdout)
    assert changes["figures_revised"] == 0 and changes["figures_added"] == 0
    missing = run_cli("diff", "20000101T000000Z", "latest", "--warehouse", str(built_warehouse))
    assert missing.returncode == 2 and "no release" in missing.stderr


def test_sources_list_and_offline_check(snapshot_dir):
    listed = run_cli("sources", "list")
    assert listed.returncode == 0
    registry = yaml.safe_load((PROJECT_ROOT / "sources.yaml").read_text())
    assert all(s["id"] in listed.stdout for s in registry["sources"])
    checked = run_cli("sources", "check", "--offline", "--snapshot", str(snapshot_dir))
    assert checked.returncode == 0, checked.stdout
    assert f"valid ({len(registry['sources'])} sources)" in checked.stdout


def test_sources_check_rejects_a_malformed_registry(tmp_path):
    bad = tmp_path / "sources.yaml"
    bad.write_text("version: 1\nsuppression_markers: []\nsources:\n  - id: Not A Valid Id\n")
    result = run_cli("sources", "check", "--offline", "--sources", str(bad))
    assert result.returncode == 2
    assert "Not A Valid Id" in result.stderr or "sources[0]" in result.stderr


class _Publisher(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.server.record(self.path)
        if self.path.endswith("gone.csv"):
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("ETag", '"v2"')
        self.send_header("Content-Length", "1234")
        self.end_headers()


def test_sources_check_probes_live_endpoints_and_fails_when_one_is_down(tmp_path, snapshot_dir):
    registry = yaml.safe_load((PROJECT_ROOT / "sources.yaml").read_text())
    chosen = [s for s in registry["sources"] if s["live"].get("kind", "http_file") == "http_file"][:2]
    assert len(chosen) == 2
    with running(RecordingHTTPServer("127.0.0.1", _Publisher)) as server:
        chosen[0]["live"]["url"] = server.url("files/current.csv")
        chosen[1]["live"]["url"] = server.url("files/gone.csv")
        for source in chosen:
            source["live"].pop("landing_page", None)
        sources_file = tmp_path / "sources.yaml"
        sources_file.write_text(yaml.safe_dump({**registry, "sources": chosen}, sort_keys=False))
        env = {"ICS_BASELINE_ALLOW_LOOPBACK_HTTP": "1"}
        result = run_cli("sources", "check", "--sources", str(sources_file), "--snapshot", str(snapshot_dir), env=env)
        assert result.returncode == 1
        assert '"v2"' in result.stdout and "HTTP 404" in result.stdout
        assert "1 of 2 endpoints answered" in result.stdout
        assert sorted(server.paths) == ["/files/current.csv", "/files/gone.csv"]
        # without the loopback switch the fetcher's allowlist refuses plain http outright
        refused = run_cli("sources", "check", "--sources", str(sources_file), "--snapshot", str(snapshot_dir))
        assert refused.returncode == 1 and "only https is allowed" in refused.stdout
        assert len(server.paths) == 2


def test_build_writes_structured_event_logs(built_warehouse):
    events = [json.loads(line) for line in (built_warehouse / "logs" / "build-events.jsonl").read_text().splitlines()]
    kinds = {event["event"] for event in events}
    assert {"PIPELINE_START", "STEP_SUCCESS", "ASSET_MATERIALIZATION", "PIPELINE_SUCCESS"} <= kinds
    assert any(e.get("asset") == "publish/release" for e in events)
    assert all({"time", "level", "event", "message"} <= set(e) for e in events)
