"""Units, people, ticket routing and categories, lost reasons, webhooks and robots, notifications.
Page form -> the API operation doing the same (filled in as the operations are added)."""

PARITY: dict[str, str] = {}
