"""Sections and people: page form -> the API operation doing the same."""

PARITY: dict[str, str] = {
    "POST /units/{unit_id}/sections": "POST /api/v1/units/{unit_id}/sections",
    "POST /sections/{section_id}/edit": "PUT /api/v1/sections/{section_id}",
    "POST /units/{unit_id}/people": "POST /api/v1/units/{unit_id}/people",
    "POST /people/{cadre_id}/edit": "PUT /api/v1/people/{cadre_id}",
    "POST /units/{unit_id}/people/split": "PUT /api/v1/targets/splits",
}
