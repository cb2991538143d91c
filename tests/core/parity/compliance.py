"""Compliance cases (履约核查、违约处置): page form -> the API operation doing the same."""

PARITY: dict[str, str] = {
    "POST /compliance-cases": "POST /api/v1/compliance-cases",
    "POST /compliance-cases/{case_id}/measures": "POST /api/v1/compliance-cases/{case_id}/measures",
    "POST /compliance-cases/{case_id}/measures/{measure_id}/receipts": (
        "POST /api/v1/compliance-cases/{case_id}/measures/{measure_id}/receipts"
    ),
    "POST /compliance-cases/{case_id}/measures/{measure_id}/cure": (
        "POST /api/v1/compliance-cases/{case_id}/measures/{measure_id}/cure"
    ),
    "POST /compliance-cases/{case_id}/close": "POST /api/v1/compliance-cases/{case_id}/close",
}
