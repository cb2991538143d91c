"""The year's assessment: page form -> the API operation doing the same."""

PARITY: dict[str, str] = {
    "POST /assessment/{year}/scheme": "PUT /api/v1/assessment/{year}/scheme",
    "POST /assessment/{year}/units/{unit_id}/scores": "POST /api/v1/assessment/{year}/units/{unit_id}/scores",
    "POST /assessment/{year}/units/{unit_id}/adjustments": "POST /api/v1/assessment/{year}/units/{unit_id}/adjustments",
    "POST /assessment/{year}/adjustments/{adjustment_id}/withdraw": (
        "POST /api/v1/assessment/{year}/adjustments/{adjustment_id}/withdraw"
    ),
    "POST /assessment/{year}/publish": "POST /api/v1/assessment/{year}/publish",
}
