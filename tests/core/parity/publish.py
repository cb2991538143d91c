"""The publish step (对外发布, issue 23): page form -> the API operation doing the same."""

PARITY: dict[str, str] = {
    "POST /publish/profile": "PUT /api/v1/publish/profile",
    "POST /publish/profile/state": "POST /api/v1/publish/profile/state",
    "POST /publish/projects": "POST /api/v1/publish/projects",
    "POST /publish/projects/{public_project_id}": "PUT /api/v1/publish/projects/{public_project_id}",
    "POST /publish/projects/{public_project_id}/state": "POST /api/v1/publish/projects/{public_project_id}/state",
    "POST /publish/sites": "POST /api/v1/publish/sites",
    "POST /publish/sites/{public_site_id}": "PUT /api/v1/publish/sites/{public_site_id}",
    "POST /publish/sites/{public_site_id}/state": "POST /api/v1/publish/sites/{public_site_id}/state",
}
