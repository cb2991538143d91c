"""Pre-review (项目预审) and the signing approval (签约审批): page form -> the API operation doing the same."""

PARITY: dict[str, str] = {
    "POST /admin/prereview-departments": "PUT /api/v1/prereview-departments",
    "POST /projects/{project_id}/prereview/opinions": "POST /api/v1/projects/{project_id}/prereview/opinions",
    "POST /projects/{project_id}/prereview/override": "POST /api/v1/projects/{project_id}/prereview/override",
    "POST /projects/{project_id}/concession": "PUT /api/v1/projects/{project_id}/concession",
    "POST /projects/{project_id}/signing-approval": "POST /api/v1/projects/{project_id}/signing-approval",
}
