"""The map (招商地图): page form -> the API operation doing the same."""

PARITY: dict[str, str] = {
    "POST /projects/{project_id}/location": "PUT /api/v1/projects/{project_id}/location",
    "POST /plots/{plot_id}/location": "PUT /api/v1/plots/{plot_id}/location",
    "POST /buildings/{building_id}/location": "PUT /api/v1/buildings/{building_id}/location",
    "POST /parks/{park_id}/location": "PUT /api/v1/parks/{park_id}/location",
    "POST /map/layers": "POST /api/v1/map/layers",
    "POST /map/layers/{layer_id}/replace": "PUT /api/v1/map/layers/{layer_id}",
    "POST /map/layers/{layer_id}/delete": "DELETE /api/v1/map/layers/{layer_id}",
}
