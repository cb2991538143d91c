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

# the per-mu evaluation (亩均评价, issue 20 item 3)
PARITY.update(
    {
        "POST /per-mu/{year}/scheme": "PUT /api/v1/per-mu/{year}/scheme",
        "POST /per-mu/{year}/publish": "POST /api/v1/per-mu/{year}/publish",
    }
)
