"""The coordinator's decisions: funds review, lead validity, duplicates, registry claims, awards.
Page form -> the API operation doing the same (filled in as the operations are added)."""

PARITY: dict[str, str] = {}
