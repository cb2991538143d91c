"""Targets, campaigns, activities, reports' cadence, spot-checks, bulletins, settings and the calendar.
Page form -> the API operation doing the same (filled in as the operations are added)."""

PARITY: dict[str, str] = {}
