"""What each registry `cadence` means for running unattended: refresh schedule, release probe interval, freshness.

One table, so the schedule that refreshes a group of sources, the sensor that watches them for a new release and
the freshness policy that flags them when they are overdue all follow the same reading of `sources.yaml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import dagster as dg

from pipelines.registry import Cadence, Source


@dataclass(frozen=True)
class CadencePlan:
    # Re-fetch the group on this cron (None: never on its own; the whole-build job still covers it).
    refresh_cron: str | None
    # How often the release sensor asks the publishers whether anything changed.
    probe_interval: timedelta
    # Freshness: warn / fail when the source has not been landed for this long (None: no policy).
    warn_after: timedelta | None
    fail_after: timedelta | None


DAY = timedelta(days=1)

CADENCE_PLANS: dict[Cadence, CadencePlan] = {
    # Monthly publishers release on varied days: a weekly refresh lands each release within a week.
    Cadence.monthly: CadencePlan("0 5 * * 1", timedelta(hours=6), 35 * DAY, 45 * DAY),
    Cadence.quarterly: CadencePlan("0 5 8 * *", timedelta(hours=12), 100 * DAY, 120 * DAY),
    # Annual and irregular releases come at any time of year: refresh monthly, probe daily.
    Cadence.annual: CadencePlan("0 5 15 * *", DAY, 380 * DAY, 400 * DAY),
    Cadence.irregular: CadencePlan("0 5 22 * *", DAY, 400 * DAY, 730 * DAY),
    # Published once (lookups, a single edition): nothing to refresh or to be overdue; still probed weekly,
    # because publishers do re-issue corrected lookups.
    Cadence.once: CadencePlan(None, 7 * DAY, None, None),
}

# A dated next release is expected by then; the source is overdue this long after it if not landed since.
NEXT_RELEASE_GRACE_DAYS = 7
# How long before the expected date a landing still counts as the new release (early publication).
NEXT_RELEASE_EARLY_DAYS = 14
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_CADENCE_MONTHS = {Cadence.monthly: 1, Cadence.quarterly: 3, Cadence.annual: 12}


def groups(sources: list[Source]) -> dict[Cadence, list[Source]]:
    """Sources by cadence, in registry order; cadences with no sources are left out."""
    by_cadence: dict[Cadence, list[Source]] = {}
    for source in sources:
        by_cadence.setdefault(source.cadence, []).append(source)
    return {cadence: by_cadence[cadence] for cadence in Cadence if cadence in by_cadence}


def next_release_date(source: Source) -> date | None:
    """The date in `next_release` if it gives one as YYYY-MM-DD; the field is otherwise free text."""
    match = _ISO_DATE.search(source.next_release or "")
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def freshness_policy(source: Source) -> dg.FreshnessPolicy | None:
    """The freshness policy of a source's raw asset, from its cadence and, where dated, its next release.

    A dated `next_release` on a monthly, quarterly or annual source becomes a deadline that recurs with the
    cadence (the same day of the month, clamped to the 28th): after it, the source must have been landed since
    shortly before the expected release. Otherwise the time since the last landing is compared with the
    cadence's windows.
    """
    plan = CADENCE_PLANS[source.cadence]
    expected = next_release_date(source)
    step = _CADENCE_MONTHS.get(source.cadence)
    if expected is not None and step is not None:
        deadline = expected + timedelta(days=NEXT_RELEASE_GRACE_DAYS)
        day = min(deadline.day, 28)
        months = "*" if step == 1 else ",".join(str((deadline.month - 1 + k) % 12 + 1) for k in range(0, 12, step))
        return dg.FreshnessPolicy.cron(
            deadline_cron=f"0 9 {day} {months} *",
            lower_bound_delta=timedelta(days=NEXT_RELEASE_GRACE_DAYS + NEXT_RELEASE_EARLY_DAYS),
            timezone="Europe/London",
        )
    if plan.fail_after is None:
        return None
    return dg.FreshnessPolicy.time_window(fail_window=plan.fail_after, warn_window=plan.warn_after)
