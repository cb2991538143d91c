"""Targets, campaigns, activities, reports' cadence, spot-checks, bulletins, settings and the calendar.
Page form -> the API operation doing the same (filled in as the operations are added)."""

PARITY: dict[str, str] = {
    "POST /spot-checks": "POST /api/v1/spot-checks",
    "POST /spot-checks/{check_id}/findings": "POST /api/v1/spot-checks/{check_id}/findings",
    "POST /activities/{kind}": "POST /api/v1/activities/{kind}",
}
