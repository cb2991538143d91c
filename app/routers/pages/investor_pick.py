"""The investor named on a form by typing part of its name: the suggestions as the user types, and the
form read with its investor (a chosen suggestion, else the record with exactly the typed name, else a new
record once the user confirms it). The project form and the registry form share it."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.errors import Invalid
from app.principal import Principal
from app.schemas.common import validate_form
from app.services import investors
from app.templating import render

ModelT = TypeVar("ModelT", bound=BaseModel)

INVESTOR_TEXT = ("investor_name", "investor_new")
"""The form's investor, as typed: the name, and the box that confirms a new catalogue record."""


def suggestions(
    request: Request, db: Session, principal: Principal, investor_name: str, *, pick_url: str, page_url: str
) -> Response:
    """As the user types the investor's name: the catalogue's records to choose from."""
    found = investors.search(db, principal, investor_name, limit=6)[0] if len(investor_name.strip()) >= 2 else []
    return render(
        request,
        "components/investor_suggestions.html",
        {"suggestions": found, "pick_url": pick_url, "page_url": page_url},
    )


def read_form(db: Session, principal: Principal, form: FormData, model: type[ModelT], *, chosen: bool) -> ModelT:
    """The form as `model`, its investor_id from the typed name unless one is `chosen` already (a
    suggestion picked, or the lead the record rests on). Other fields' errors are reported with the
    investor's; a 422 rolls back an investor created here."""
    data: dict[str, Any] = {k: v for k, v in form.multi_items() if k not in INVESTOR_TEXT}
    if chosen or str(data.get("investor_id", "")).strip():
        return validate_form(model, data)
    name = str(form.get("investor_name") or "")
    create_new = form.get("investor_new") in ("on", "true", "1")
    try:
        data["investor_id"] = str(investors.resolve_typed(db, principal, name, create_new=create_new).id)
    except Invalid as exc:
        try:
            validate_form(model, data | {"investor_id": "1"})  # the other fields' problems, if any
        except Invalid as others:
            exc.errors.update({k: v for k, v in others.errors.items() if k != "investor_id"})
        raise
    return validate_form(model, data)
