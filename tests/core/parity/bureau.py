"""The coordinator's decisions: funds review, lead validity, duplicates, registry claims, natives, awards.
Page form -> the API operation doing the same (through the same service function)."""

PARITY: dict[str, str] = {
    "POST /funds/{funds_id}/review": "POST /api/v1/projects/{project_id}/funds/{funds_id}/review",
    "POST /leads/{lead_id}/judge": "POST /api/v1/leads/{lead_id}/judge",
    "POST /leads/duplicates/{pair_id}": "POST /api/v1/duplicates/{pair_id}/decision",
    "POST /registry/claims/{claim_id}": "POST /api/v1/registry/claims/{claim_id}/decision",
    "POST /natives": "POST /api/v1/natives",
    "POST /awards/budget": "PUT /api/v1/award-budget/{year}",
    "POST /awards/policies": "POST /api/v1/policies",  # a new name; a name in use: POST /api/v1/policies/{id}/versions
    "POST /awards/projects/{project_id}/agreement": "PUT /api/v1/projects/{project_id}/agreement",
    "POST /awards/projects/{project_id}/credit": "PUT /api/v1/projects/{project_id}/credit",
    "POST /awards/{award_id}/step": "POST /api/v1/awards/{award_id}/steps",
    "POST /awards/{award_id}/condition": "PUT /api/v1/awards/{award_id}/condition",
}
