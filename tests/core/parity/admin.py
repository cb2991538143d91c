"""Units, people, ticket routing and categories, lost reasons, webhooks and robots, notifications.
Page form -> the API operation doing the same (filled in as the operations are added)."""

PARITY: dict[str, str] = {
    "POST /robots": "POST /api/v1/robots",
    "POST /robots/{robot_id}/toggle": "PATCH /api/v1/robots/{robot_id}",
    "POST /robots/{robot_id}/test": "POST /api/v1/robots/{robot_id}/test",
    "POST /robots/{robot_id}/delete": "DELETE /api/v1/robots/{robot_id}",
}
