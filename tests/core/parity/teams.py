"""Industry teams and responsibility letters: page form -> the API operation doing the same."""

PARITY: dict[str, str] = {
    "POST /teams/{team_id}/edit": "PUT /api/v1/teams/{team_id}",
    "POST /teams/{team_id}/targets": "PUT /api/v1/targets",  # the team's target is its unit's (unit_id: the team)
    "POST /teams/{team_id}/projects": "PUT /api/v1/teams/{team_id}/projects/{project_id}",
    "POST /teams/{team_id}/projects/{project_id}/remove": "DELETE /api/v1/teams/{team_id}/projects/{project_id}",
    "POST /letters/rules": "POST /api/v1/letter-rules",
    "POST /letters/issue": "POST /api/v1/letters",
    "POST /letters/issue-all": "POST /api/v1/letters/issue-all",
    "POST /letters/{letter_id}/reissue": "POST /api/v1/letters",  # a new version: the same issue, with a reason
    "POST /letters/{letter_id}/acknowledge": "POST /api/v1/letters/{letter_id}/acknowledge",
}
