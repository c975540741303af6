"""Build progress and structured logs, fed by Dagster's own events.

A Dagster logger receives every event of the run (step starts and ends, materialisations, check evaluations) as
a log record. This one writes each as a JSON line to warehouse/logs/build-events.jsonl (the structured log a
scheduler or log shipper reads) and, on a terminal, advances a progress bar by finished steps. Off a terminal
the bar is silent, so cron mail and CI logs stay readable.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import dagster as dg
from tqdm import tqdm

FINISHED_STEP_EVENTS = {"STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"}


class BuildEventHandler(logging.Handler):
    def __init__(self, events: IO[str], total_steps: int | None, show_bar: bool) -> None:
        super().__init__(level=logging.DEBUG)
        self.events = events
        self.bar = tqdm(total=total_steps, unit="step", desc="build", disable=not show_bar, file=sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if event is None and record.levelno < logging.WARNING:
            return
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "event": event.event_type_value if event else "LOG",
            "step": meta.get("step_key"),
            "message": meta.get("orig_message") or record.getMessage(),
        }
        if event is not None and event.asset_key is not None:
            line["asset"] = event.asset_key.to_user_string()
        self.events.write(json.dumps(line, default=str) + "\n")
        if event is not None and event.event_type_value in FINISHED_STEP_EVENTS:
            self.bar.update(1)
            self.bar.set_postfix_str(str(meta.get("step_key") or "")[-40:], refresh=False)

    def close(self) -> None:
        self.bar.close()
        self.events.flush()
        super().close()


def progress_logger_def(handler: BuildEventHandler) -> dg.LoggerDefinition:
    @dg.logger(description="JSON lines of every run event, and a progress bar on a terminal")
    def build_progress(init_context: dg.InitLoggerContext) -> logging.Logger:
        del init_context
        logger = logging.Logger("ics_baseline.build", level=logging.DEBUG)
        logger.addHandler(handler)
        return logger

    return build_progress


def open_events_log(log_dir: Path) -> IO[str]:
    log_dir.mkdir(parents=True, exist_ok=True)
    # Line-buffered: a log shipper, a watchdog or a test following the file sees each event as it happens.
    return (log_dir / "build-events.jsonl").open("w", encoding="utf-8", buffering=1)
