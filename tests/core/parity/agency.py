"""The 代办 window: page form -> the API operation doing the same."""

PARITY: dict[str, str] = {
    # the form assigns, changes (PUT) or, with no one chosen, removes (DELETE /api/v1/projects/{project_id}/agent)
    "POST /projects/{project_id}/agent": "PUT /api/v1/projects/{project_id}/agent",
    "POST /agency/approvals/{approval_id}/handovers": "POST /api/v1/agency/approvals/{approval_id}/handovers",
}
