"""Baseline packs: per-ICB workbooks and reports, the release index and bulk downloads, built from a release."""
