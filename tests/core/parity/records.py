"""Leads, projects, funds entry, tickets, units: page form -> the API operation doing the same."""

PARITY: dict[str, str] = {
    "POST /leads/new": "POST /api/v1/leads",
    "POST /investors/{investor_id}": "PATCH /api/v1/investors/{investor_id}",
    "POST /registry": "POST /api/v1/registry",
    "POST /projects/new": "POST /api/v1/projects",
    "POST /projects/import": "POST /api/v1/projects/import",
    "POST /projects/{project_id}/edit": "PATCH /api/v1/projects/{project_id}",
    "POST /projects/{project_id}/stage": "POST /api/v1/projects/{project_id}/stage",
    "POST /projects/{project_id}/progress": "POST /api/v1/projects/{project_id}/progress",
    "POST /projects/{project_id}/funds": "POST /api/v1/projects/{project_id}/funds",
    "POST /projects/{project_id}/anomalies/{anomaly_id}/clear": (
        "POST /api/v1/projects/{project_id}/anomalies/{anomaly_id}/clear"
    ),
    "POST /funds/{funds_id}/reverse": "POST /api/v1/projects/{project_id}/funds/{funds_id}/reverse",
    "POST /awards/projects/{project_id}/introducers": "POST /api/v1/projects/{project_id}/introducers",
    "POST /tickets/new": "POST /api/v1/tickets/requests",
    "POST /tickets/{ticket_id}/act": "POST /api/v1/tickets/requests/{request_id}/actions",
    "POST /units/{unit_id}/contact": "PATCH /api/v1/units/{unit_id}/contact",
    "POST /admin/tokens": "POST /api/v1/tokens",
    "POST /admin/tokens/{token_id}/revoke": "POST /api/v1/tokens/{token_id}/revoke",
    "POST /awards": "POST /api/v1/awards",
    "POST /reports": "POST /api/v1/reports",
}

# investment agreements, commitments and results after production (issue 20)
PARITY.update(
    {
        "POST /projects/{project_id}/investment-agreement": "PUT /api/v1/projects/{project_id}/investment-agreement",
        "POST /projects/{project_id}/investment-agreement/commitments": (
            "POST /api/v1/projects/{project_id}/investment-agreement/commitments"
        ),
        "POST /projects/{project_id}/investment-agreement/commitments/{commitment_id}": (
            "PATCH /api/v1/projects/{project_id}/investment-agreement/commitments/{commitment_id}"
        ),
        "POST /projects/{project_id}/results": "POST /api/v1/projects/{project_id}/results",
        "POST /results/{result_id}/edit": "PATCH /api/v1/results/{result_id}",
        "POST /results/{result_id}/review": "POST /api/v1/results/{result_id}/review",
        "POST /results/import": "POST /api/v1/results/import",
    }
)
