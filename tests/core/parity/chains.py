"""Industry chains (产业链) and 以商招商: page form -> the API operation doing the same."""

PARITY: dict[str, str] = {
    "POST /chains": "POST /api/v1/chains",
    "POST /chains/{chain_id}/edit": "PUT /api/v1/chains/{chain_id}",
    "POST /chains/{chain_id}/links": "POST /api/v1/chains/{chain_id}/links",
    "POST /chains/{chain_id}/links/{link_id}": "PUT /api/v1/chains/{chain_id}/links/{link_id}",
    "POST /chains/{chain_id}/links/{link_id}/delete": "DELETE /api/v1/chains/{chain_id}/links/{link_id}",
    "POST /chains/{chain_id}/firms": "POST /api/v1/chains/{chain_id}/firms",
    "POST /chains/{chain_id}/firms/{firm_id}/delete": "DELETE /api/v1/chains/{chain_id}/firms/{firm_id}",
    "POST /projects/{project_id}/chain-link": "PUT /api/v1/projects/{project_id}/chain-link",
    "POST /investors/{investor_id}/introducer": "PUT /api/v1/investors/{investor_id}/introducer",
}
