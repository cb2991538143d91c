"""Every operation a page offers, the API offers too: each page form that writes names the API operation
doing the same thing through the same service (tables in tests/core/parity/), and that operation exists.
Forms with no API counterpart say why (signing in is a person's, not a system's)."""

from __future__ import annotations

from fastapi import FastAPI

from tests.core.parity import admin, assessment, bureau, meetings, people, performance, records, teams
from tests.core.parity import agency as agency_parity
from tests.core.parity import approvals as approvals_parity
from tests.core.parity import chains as chains_parity
from tests.core.parity import compliance as compliance_parity
from tests.core.parity import land as land_parity
from tests.core.parity import maps as map_parity
from tests.core.parity import prereview as prereview_parity
from tests.core.parity import target_companies as target_companies_parity
from tests.core.test_refusal_rollback import write_routes

PARITY = (
    records.PARITY
    | bureau.PARITY
    | performance.PARITY
    | admin.PARITY
    | people.PARITY
    | teams.PARITY
    | assessment.PARITY
    | meetings.PARITY
    | land_parity.PARITY
    | compliance_parity.PARITY
    | chains_parity.PARITY
    | map_parity.PARITY
    | target_companies_parity.PARITY
    | approvals_parity.PARITY
    | agency_parity.PARITY
    | prereview_parity.PARITY
)

NOT_FOR_SYSTEMS = {
    "POST /login": "a person signs in; a system sends its token",
    "POST /login/2fa": "a person's second factor",
    "POST /logout": "a person's session",
    "POST /account/2fa": "a person's authenticator",
    "POST /account/password": "a person's password",
    "POST /notifications/read": "notifications are a person's inbox; a token has none to mark read",
}


def test_every_page_form_names_its_api_operation(app: FastAPI):
    routes = {f"{m} {p}" for m, p in write_routes(app)}
    forms = {r for r in routes if not r.split(" ", 1)[1].startswith(("/api/", "/open311/"))}
    unnamed = sorted(forms - PARITY.keys() - NOT_FOR_SYSTEMS.keys())
    assert unnamed == [], "name the API operation of these page forms in tests/core/parity/"
    missing = sorted(f"{form} -> {op}" for form, op in PARITY.items() if op not in routes)
    assert missing == [], "these API operations do not exist"
    stale = sorted((PARITY.keys() | NOT_FOR_SYSTEMS.keys()) - forms)
    assert stale == [], "these page forms no longer exist"


# the publish step (对外发布, issue 23)
from tests.core.parity import publish as publish_parity  # noqa: E402

PARITY = PARITY | publish_parity.PARITY
