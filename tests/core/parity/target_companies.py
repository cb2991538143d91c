"""Target companies (目标企业): page form -> the API operation doing the same."""

PARITY: dict[str, str] = {
    "POST /target-lists/import": "POST /api/v1/target-lists/import",
    "POST /target-companies/assign": "POST /api/v1/target-companies/assign",
    "POST /target-companies/{target_id}/chain-link": "PUT /api/v1/target-companies/{target_id}/chain-link",
    "POST /target-companies/{target_id}/approaches": "POST /api/v1/target-companies/{target_id}/approaches",
    "POST /target-companies/{target_id}/lead": "POST /api/v1/target-companies/{target_id}/lead",
}
