"""Approvals after signing (审批事项): page form -> the API operation doing the same."""

PARITY: dict[str, str] = {
    "POST /approval-kinds": "POST /api/v1/approval-kinds",
    "POST /approval-kinds/{kind_id}": "PUT /api/v1/approval-kinds/{kind_id}",
    "POST /approvals/{approval_id}/submit": "POST /api/v1/approvals/{approval_id}/submit",
    "POST /approvals/{approval_id}/deferred": "POST /api/v1/approvals/{approval_id}/deferred",
    "POST /approvals/{approval_id}/deferred/{document_id}/receive": (
        "POST /api/v1/approvals/{approval_id}/deferred/{document_id}/receive"
    ),
    "POST /approvals/{approval_id}/grant": "POST /api/v1/approvals/{approval_id}/grant",
    "POST /approvals/{approval_id}/refuse": "POST /api/v1/approvals/{approval_id}/refuse",
    "POST /approvals/{approval_id}/not-needed": "POST /api/v1/approvals/{approval_id}/not-needed",
    "POST /approvals/{approval_id}/ticket": "POST /api/v1/approvals/{approval_id}/ticket",
    "POST /approvals/{approval_id}/task": "POST /api/v1/approvals/{approval_id}/task",
    "POST /projects/{project_id}/approvals/generate": "POST /api/v1/projects/{project_id}/approvals/generate",
}
