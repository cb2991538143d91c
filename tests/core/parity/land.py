"""Land and buildings (载体资源), deposits and a project's quality: page form -> the API operation doing the same."""

PARITY: dict[str, str] = {
    "POST /plots": "POST /api/v1/plots",
    "POST /buildings": "POST /api/v1/buildings",
    "POST /plots/{plot_id}/edit": "PUT /api/v1/plots/{plot_id}",
    "POST /buildings/{building_id}/edit": "PUT /api/v1/buildings/{building_id}",
    "POST /plots/{plot_id}/status": "POST /api/v1/plots/{plot_id}/status",
    "POST /buildings/{building_id}/status": "POST /api/v1/buildings/{building_id}/status",
    "POST /plots/{plot_id}/take": "POST /api/v1/plots/{plot_id}/take",
    "POST /buildings/{building_id}/take": "POST /api/v1/buildings/{building_id}/take",
    "POST /plots/{plot_id}/release": "POST /api/v1/plots/{plot_id}/release",
    "POST /plots/{plot_id}/condition": "PUT /api/v1/plots/{plot_id}/condition",
    "POST /buildings/{building_id}/release": "POST /api/v1/buildings/{building_id}/release",
    "POST /plots/{plot_id}/photos": "POST /api/v1/plots/{plot_id}/photos",
    "POST /buildings/{building_id}/photos": "POST /api/v1/buildings/{building_id}/photos",
    "POST /land-quotas": "POST /api/v1/land-quotas",
    "POST /land-quotas/{quota_id}/edit": "PUT /api/v1/land-quotas/{quota_id}",
    "POST /projects/{project_id}/deposits": "POST /api/v1/projects/{project_id}/deposits",
    "POST /projects/{project_id}/deposits/{deposit_id}/review": (
        "POST /api/v1/projects/{project_id}/deposits/{deposit_id}/review"
    ),
    "POST /projects/{project_id}/quality": "PUT /api/v1/projects/{project_id}/quality",
    "POST /quality/industries": "POST /api/v1/leading-industries",
    "POST /quality/industries/{industry_id}": "PATCH /api/v1/leading-industries/{industry_id}",
}
