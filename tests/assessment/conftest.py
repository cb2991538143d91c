"""The assessment's tests use the supervised tasks' county: the bureau, the supervisor's office, two towns,
a coordinator, a supervisor, a leader and the towns' staff (SQLite and PostgreSQL, rolled back)."""

from tests.tasks.conftest import County, as_principal, county, signed_in, text_of  # noqa: F401
