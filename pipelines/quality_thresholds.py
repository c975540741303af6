"""The thresholds of the series-break check and of the revisions hold, from `quality.yaml`, validated on load.

One declared place for both: the check and the publish step read them here, and the release manifest records
the ones a release was judged by.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipelines.settings import QUALITY_FILE


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeriesBreakThresholds(_Strict):
    scale_factor: float = Field(gt=1)
    repeated_share: float = Field(gt=0, le=1)
    min_figures: int = Field(ge=1)


class RevisionThresholds(_Strict):
    tolerance: float = Field(ge=0)
    hold_share: float = Field(ge=0, le=1)


class QualityThresholds(_Strict):
    version: Literal[1]
    series_breaks: SeriesBreakThresholds
    revisions: RevisionThresholds


@cache
def load_thresholds(path: Path = QUALITY_FILE) -> QualityThresholds:
    try:
        return QualityThresholds.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ValueError(f"{path.name}: {exc}") from None
