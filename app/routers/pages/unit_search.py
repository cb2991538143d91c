"""The lists' unit filter: a text field that offers matching units as one types (instead of a select of
every unit), and the helpers the list pages share to read it and to keep their links on the unit chosen."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import Response

from app.deps import DbSession, PagePrincipal
from app.errors import Invalid
from app.principal import Principal
from app.routing import IndexedRouter
from app.services import units
from app.services.units import UnitPick
from app.templating import is_htmx, render

router = IndexedRouter()

TEXT_PARAM = "unit_name"
"""The field's text box: sent with the chosen unit's id, or alone when no unit was picked (no JavaScript)."""

FieldId = Annotated[str, Query(pattern=r"^[a-z][a-z0-9-]{0,30}$")]
TextName = Annotated[str, Query(alias="text", pattern=r"^[a-z][a-z0-9_]{0,30}$")]


@router.get("/units/search")
def unit_suggestions(
    request: Request,
    db: DbSession,
    principal: PagePrincipal,
    field: FieldId = "f-unit",
    unit_name: str = Query("", max_length=200),
    text_name: TextName = TEXT_PARAM,
) -> Response:
    """The units whose name contains what was typed, as the options of the field's list box. The text
    comes as `unit_name`, or under the name `text` says (a form with two unit fields names them apart)."""
    if text_name != TEXT_PARAM:
        unit_name = request.query_params.get(text_name, "")
        if len(unit_name) > 200:
            raise Invalid({text_name: "名称过长"})
    choices, more = units.search(db, principal, unit_name)
    text = units.normalise_name(unit_name)
    return render(
        request,
        "components/unit_suggestions.html",
        {"field": field, "text": text, "choices": choices, "more": more, "limit": units.SUGGESTION_LIMIT},
    )


def pick(request: Request, db: DbSession, principal: Principal, unit_id: int | None) -> UnitPick | None:
    """What the page's unit filter asks for, or None for those who see only their own unit (no field).
    The chosen unit's name is looked up only for a whole page or a typed name: a results fragment
    filtered by id shows no field."""
    if not principal.reads_everything:
        return None
    text = request.query_params.get(TEXT_PARAM)
    return units.pick(db, principal, unit_id, text, describe=whole_page(request))


def whole_page(request: Request) -> bool:
    return not is_htmx(request) or bool(request.headers.get("hx-boosted"))


def typed(request: Request, unit: UnitPick | None) -> bool:
    """Whether the unit was given by its name, as typed, rather than by its id."""
    return unit is not None and TEXT_PARAM in request.query_params


def field_again(request: Request, unit: UnitPick | None) -> bool:
    """Whether a results fragment carries the field too (out of band): a name was typed and sent without
    a unit picked, so the field learns the unit it named, or says what is wrong."""
    return typed(request, unit) and not whole_page(request)


def query_items(request: Request, unit: UnitPick | None) -> list[tuple[str, str]]:
    """The request's query as the filter applied: a typed unit name replaced by the id of the unit it named
    (or left out when it named none), so that the next page and the export show the same rows."""
    items = request.query_params.multi_items()
    if not typed(request, unit):
        return items
    assert unit is not None
    kept = [(k, v) for k, v in items if k not in ("unit_id", TEXT_PARAM)]
    return ([("unit_id", str(unit.unit_id))] if unit.unit_id is not None else []) + kept


def canonical_query(request: Request, unit: UnitPick | None) -> str:
    """`query_items` as a query string (the request's own when no name was typed)."""
    return urlencode(query_items(request, unit)) if typed(request, unit) else request.url.query


def choice_href(request: Request, unit: UnitPick | None) -> str:
    """The page's address with the other filters, to which a unit offered for a typed name adds its id."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("unit_id", TEXT_PARAM, "offset")]
    return f"{request.url.path}?{urlencode(kept)}{'&' if kept else ''}unit_id="


def context(request: Request, unit: UnitPick | None) -> dict[str, Any]:
    """What the list's template needs for the field (components/unit_search.html)."""
    return {
        "unit": unit,
        "unit_href": choice_href(request, unit) if unit is not None and unit.choices else "",
        "unit_again": field_again(request, unit),
    }


def push_url(request: Request, unit: UnitPick | None, response: Response) -> Response:
    """After a typed name, htmx shows the address of the filter applied (the unit's id) in the address bar."""
    if field_again(request, unit):
        query = canonical_query(request, unit)
        response.headers["HX-Push-Url"] = request.url.path + (f"?{query}" if query else "")
    return response
