"""Meetings and interviews: page form -> the API operation doing the same."""

PARITY: dict[str, str] = {
    "POST /meetings/new": "POST /api/v1/meetings",
    "POST /meetings/{meeting_id}/edit": "PATCH /api/v1/meetings/{meeting_id}",
    "POST /meetings/{meeting_id}/hold": "POST /api/v1/meetings/{meeting_id}/hold",
    "POST /meetings/{meeting_id}/decisions": "POST /api/v1/meetings/{meeting_id}/decisions",
    "POST /interviews/new": "POST /api/v1/interviews",
    "POST /interviews/{interview_id}/promises": "POST /api/v1/interviews/{interview_id}/promises",
}
