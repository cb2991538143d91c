"""Targets, campaigns, activities, reports' cadence, spot-checks, bulletins, settings and the calendar.
Page form -> the API operation doing the same (filled in as the operations are added)."""

PARITY: dict[str, str] = {
    "POST /spot-checks": "POST /api/v1/spot-checks",
    "POST /spot-checks/{check_id}/findings": "POST /api/v1/spot-checks/{check_id}/findings",
    "POST /tasks/new": "POST /api/v1/tasks",
    "POST /tasks/{task_id}/notes": "POST /api/v1/tasks/{task_id}/notes",
    "POST /tasks/{task_id}/review": "POST /api/v1/tasks/{task_id}/review",
    "POST /activities/{kind}": "POST /api/v1/activities/{kind}",
    # the targets page sets a target (by unit, tier or kind) or one month of the curve: two operations
    "POST /targets": "PUT /api/v1/targets",
    "POST /campaigns": "POST /api/v1/campaigns",
    "POST /reports/cadence": "PUT /api/v1/reports/cadences/{cadence}",
    "POST /bulletins/{kind}/{year}/{number}/publish": "POST /api/v1/bulletins/{kind}/{year}/{number}/publish",
    # which units report which cadence: the kinds' table at once, and one unit's own rule (or its removal)
    "POST /reports/applicability/kinds": "PUT /api/v1/reports/applicability/kinds",
    "POST /reports/applicability/units": "PUT /api/v1/reports/applicability/{cadence}/units/{unit_id}",
    "POST /activities/compliance/minimum": "PUT /api/v1/activities/trips/minimums/{unit_id}",
}
"""The curve's month (POST /targets with `month`) is PUT /api/v1/targets/{year}/curve; a campaign is
changed with PATCH /api/v1/campaigns/{campaign_id} (the pages have no form for it yet)."""
