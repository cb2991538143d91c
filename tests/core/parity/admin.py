"""Units, people, ticket routing and categories, lost reasons, webhooks and robots, notifications.
Page form -> the API operation doing the same (filled in as the operations are added)."""

PARITY: dict[str, str] = {
    "POST /robots": "POST /api/v1/robots",
    "POST /robots/{robot_id}/toggle": "PATCH /api/v1/robots/{robot_id}",
    "POST /robots/{robot_id}/test": "POST /api/v1/robots/{robot_id}/test",
    "POST /robots/{robot_id}/delete": "DELETE /api/v1/robots/{robot_id}",
    "POST /tickets/{ticket_id}/route": "POST /api/v1/tickets/requests/{request_id}/route",
    "POST /admin/ticket-categories/{category_id}": "PATCH /api/v1/ticket-categories/{category_id}",
    "POST /admin/units/new": "POST /api/v1/units",
    "POST /admin/units/{unit_id}": "PATCH /api/v1/units/{unit_id}",
    "POST /admin/users/new": "POST /api/v1/users",
    "POST /admin/users/{user_id}": "PATCH /api/v1/users/{user_id}",
    "POST /admin/users/{user_id}/password": "POST /api/v1/users/{user_id}/password",
    "POST /admin/users/{user_id}/unlock": "POST /api/v1/users/{user_id}/unlock",
    "POST /admin/lost-reasons": "POST /api/v1/lost-reasons",
    "POST /admin/webhooks": "POST /api/v1/webhooks",
    "POST /admin/webhooks/{sub_id}/toggle": "PATCH /api/v1/webhooks/{sub_id}",
    "POST /admin/settings": "PATCH /api/v1/settings",
    "POST /admin/calendar": "PUT /api/v1/calendar/{day}",  # a day's removal: DELETE /api/v1/calendar/{day}
}
