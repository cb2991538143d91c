"""Jinja environment, display filters and the one render helper pages use."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import nodes
from jinja2_fragments.fastapi import Jinja2Blocks
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response

from app.config import BASE_DIR
from app.models.unit import TIER_LABELS, UNIT_KIND_LABELS
from app.models.user import ROLE_LABELS

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

templates = Jinja2Blocks(directory=str(BASE_DIR / "app" / "templates"))
env = templates.env
env.autoescape = True
# strings through gettext catalogues (app/i18n.py): `_("…")` in every template. The staff pages speak
# Chinese, the source language, so their callables are the identity; the public pages pass their own.
env.add_extension("jinja2.ext.i18n")
env.install_gettext_callables(  # type: ignore[attr-defined]
    lambda message: message, lambda singular, plural, n: singular if n == 1 else plural, newstyle=True
)


def local_dt(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(LOCAL_TZ).strftime(fmt)


def local_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ).date()
    return value.isoformat()


# --- numbers: THE formatting rule for pages and bulletins -------------------------------------
# Money in 万元 (or 万美元) with thousands separators and two decimals; counts as integers with
# thousands separators (a count credited by shares keeps one decimal, never "6.70"); percentages
# with one decimal, rounded half-up; "—" where there is no figure. `figure` picks the rule from
# a metric's unit (app/services/metrics.py METRICS[code].unit).

MONEY_UNITS = frozenset({"万元", "万美元", "亿元"})
PCT_UNITS = frozenset({"%", "％"})


def _number(value: Decimal | int | float | str | None) -> Decimal | None:
    """A figure as Decimal; None for no figure (None, "", "—" or text that is not a number)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(str(value))
    text = str(value).strip().replace(",", "")
    if not text or text == "—":
        return None
    try:
        return Decimal(text)
    except ArithmeticError:
        return None


def _fixed(amount: Decimal, places: int) -> str:
    return f"{amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,}"


def wan(value: Decimal | int | str | None, places: int = 2) -> str:
    """An amount in 万元 (or 万美元), shown with thousands separators: 523060 -> "523,060.00"."""
    amount = _number(value)
    return "—" if amount is None else _fixed(amount, places)


money = wan


def yi(value: Decimal | int | str | None, places: int = 2) -> str:
    """An amount held in 万元 shown in 亿元: 523060 -> "52.31"."""
    amount = _number(value)
    return "—" if amount is None else _fixed(amount / Decimal(10000), places)


def count(value: Any) -> Any:
    """A count: "4", "1,204"; a count credited by shares keeps one decimal ("6.7").

    Registered as the `count` filter, it replaces Jinja's alias of `length`: a collection still
    gives its length (an int), so `items|count` keeps working."""
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        return len(value)
    amount = _number(value)
    if amount is None:
        return "—"
    whole = amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if amount == whole:
        return f"{whole:,}"
    return _fixed(amount, 1)


def pct(value: Decimal | int | str | None) -> str:
    """A percentage with one decimal, rounded half-up: 12.25 -> "12.3" ("—" when None)."""
    amount = _number(value)
    return "—" if amount is None else _fixed(amount, 1)


def score(value: Decimal | int | str | None) -> str:
    """A ranking score: two decimals, the same on the dashboard, the rankings and the bulletin."""
    amount = _number(value)
    return "—" if amount is None else _fixed(amount, 2)


def figure(value: Decimal | int | str | None, unit: str | None) -> str:
    """A figure formatted by its metric's unit: 万元/万美元 -> money, % -> pct, else a count."""
    if unit in MONEY_UNITS:
        return wan(value)
    if unit in PCT_UNITS:
        return pct(value)
    return count(value)


_LARGER_UNIT = {"万元": ("亿元", Decimal(10000)), "万美元": ("亿美元", Decimal(10000))}


def headline(value: Decimal | int | str | None, unit: str) -> Markup:
    """A summary figure on a card, with its unit: 万元 from 1亿 up in 亿元 (52.31 亿元), below it whole
    (8,500 万元); 元 (awards, paid to the cent) to the fen; counts whole."""
    amount = _number(value)
    if amount is None:
        return Markup('—<span class="unit">{}</span>').format(unit)
    if unit in _LARGER_UNIT:
        larger, factor = _LARGER_UNIT[unit]
        if abs(amount) >= factor:
            text, unit = _fixed(amount / factor, 2), larger
        else:
            text = _fixed(amount, 0)
    elif unit == "元":
        text = _fixed(amount, 2)
    elif unit in PCT_UNITS:
        text = pct(amount)
    else:
        text = str(count(amount))
    return Markup('{}<span class="unit">{}</span>').format(text, unit)


# --- English figures for the public pages (/invest/en/…) ---------------------------------------------
# Money held in 万元 is shown in RMB million (1 万元 = RMB 10,000): two decimals at most, trailing zeros
# dropped (12,000 万元 -> "RMB 120 million", 1,250 万元 -> "RMB 12.5 million"); land in 亩 as mu with its
# hectares (15 mu = 1 ha). Chinese pages keep `wan` and `count`.

MU_PER_HECTARE = Decimal(15)


def _trimmed(amount: Decimal, places: int) -> str:
    text = _fixed(amount, places)
    return text.rstrip("0").rstrip(".") if "." in text else text


def rmb_million(value: Decimal | int | str | None) -> str:
    """An amount in 万元 as English money: 12000 -> "RMB 120 million"; 35 -> "RMB 0.35 million"."""
    amount = _number(value)
    return "—" if amount is None else f"RMB {_trimmed(amount / Decimal(100), 2)} million"


def mu_ha(value: Decimal | int | str | None) -> str:
    """An area in 亩 in English: 80 -> "80 mu (5.33 ha)"."""
    amount = _number(value)
    if amount is None:
        return "—"
    return f"{_trimmed(amount, 2)} mu ({_trimmed(amount / MU_PER_HECTARE, 2)} ha)"


def area_m2(value: Decimal | int | str | None) -> str:
    """A floor area in ㎡ with thousands separators, whole: 12500 -> "12,500"."""
    amount = _number(value)
    return "—" if amount is None else _trimmed(amount, 0)


def metric_unit(code: str) -> str:
    from app.services.metrics import METRICS  # imported late: the metrics service imports models

    metric = METRICS.get(code)
    return metric.unit if metric else ""


_USERNAME_SUFFIX = re.compile(r"[(（][A-Za-z0-9_.@-]+[)）]$")


def person(label: str | None) -> str:
    """Who did something, as people are shown: by name ("陈志远(zsj_admin)" → "陈志远"; the audit log and
    the user admin pages keep the username); the service itself is "系统"."""
    if not label:
        return ""
    if label == "system":
        return "系统"
    return _USERNAME_SUFFIX.sub("", label) or label


def option_tags(options: Any, value: Any = None) -> Markup:
    """<option> tags for a select, built in one pass: a unit picker has two thousand of them, and a
    template loop spends ~12 µs on each."""
    chosen = None if value is None else str(value)
    return Markup(
        "".join(
            f'<option value="{escape(str(key))}"{" selected" if chosen is not None and str(key) == chosen else ""}>'
            f"{escape(str(text))}</option>"
            for key, text in options
        )
    )


env.filters.update(
    local_dt=local_dt,
    local_date=local_date,
    wan=wan,
    money=money,
    yi=yi,
    count=count,
    pct=pct,
    figure=figure,
    headline=headline,
    score=score,
    person=person,
    rmb_million=rmb_million,
    mu_ha=mu_ha,
    area_m2=area_m2,
)
env.globals["option_tags"] = option_tags
env.globals["metric_unit"] = metric_unit
env.globals.update(
    UNIT_KIND_LABELS={k.value: v for k, v in UNIT_KIND_LABELS.items()},
    ROLE_LABELS={k.value: v for k, v in ROLE_LABELS.items()},
    TIER_LABELS=TIER_LABELS,
)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


_IMPORTS: dict[str, tuple[Any, list[nodes.Import | nodes.FromImport]]] = {}


def _top_level_imports(name: str) -> list[nodes.Import | nodes.FromImport]:
    """The `{% import %}` / `{% from ... import %}` statements at the top of a template and of the
    templates it extends (read once per loaded version of the template)."""
    template = env.get_template(name)
    cached = _IMPORTS.get(name)
    if cached is not None and cached[0] is template:
        return cached[1]
    assert env.loader is not None
    source, _filename, _uptodate = env.loader.get_source(env, name)
    found: list[nodes.Import | nodes.FromImport] = []
    for node in env.parse(source).body:
        if isinstance(node, nodes.Import | nodes.FromImport) and isinstance(node.template, nodes.Const):
            found.append(node)
        elif isinstance(node, nodes.Extends) and isinstance(node.template, nodes.Const):
            found.extend(_top_level_imports(str(node.template.value)))
    _IMPORTS[name] = (template, found)
    return found


def block_imports(name: str, context: dict[str, Any]) -> dict[str, Any]:
    """What a template's top-level imports bind, for rendering one of its blocks alone.

    jinja2-fragments renders a block without running the template's top level, where the macros
    are imported (`{% from "components/forms.html" import field, conflict_notice %}`): every form
    re-rendered for htmx failed with "'conflict_notice' is undefined". Binding them here, once for
    every template, keeps templates free to import at the top as usual."""
    bound: dict[str, Any] = {}
    for node in _top_level_imports(name):
        imported = env.get_template(str(node.template.value))  # type: ignore[attr-defined]
        module = imported.make_module(context) if node.with_context else imported.module
        if isinstance(node, nodes.Import):
            bound[node.target] = module
        else:
            for entry in node.names:
                source_name, alias = entry if isinstance(entry, tuple) else (entry, None)
                bound[alias or source_name] = getattr(module, source_name)
    return bound


_INVALID_CONTROL = re.compile(rb'<(input|select|textarea)\b[^>]*\saria-invalid="true"')
_FORM_ERROR = re.compile(rb'<div class="form-error" role="alert"')


def _focus_first_error(response: Response) -> None:
    """A form page sent back refused: its first invalid field (else the form's message) gets `autofocus`,
    so that a browser without JavaScript also opens the page there (app.js does the same, with room
    above and below)."""
    body = bytes(response.body)
    found = _INVALID_CONTROL.search(body)
    if found:
        tag_end = found.end(1)
        body = body[:tag_end] + b" autofocus" + body[tag_end:]
    else:
        message = _FORM_ERROR.search(body)
        if message is None:
            return
        body = body[: message.end()] + b' tabindex="-1" autofocus' + body[message.end() :]
    response.body = body
    response.headers["content-length"] = str(len(body))


def _menu_counts(request: Request) -> dict[str, int]:
    """The menu's counts (unread notifications; the coordinator's tickets to route), asked only
    when a whole page with the menu is rendered: one statement in the request's session."""
    from app.db import request_session
    from app.services import home

    principal = getattr(request.state, "principal", None)
    db = request_session.get()
    if principal is None or db is None:
        return {}
    return home.menu_counts(db, principal)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    block: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render a page, or only `block` of it when htmx asked for a fragment."""
    # templates are checked for changes on disk (a stat of each file a page uses, per render) only
    # in development; elsewhere they are loaded once
    reload = request.app.state.settings.app_env == "development"
    if env.auto_reload is not reload:
        env.auto_reload = reload
    ctx: dict[str, Any] = {
        "settings": lambda: request.app.state.settings,
        "principal": getattr(request.state, "principal", None),
        "current_user": getattr(request.state, "user", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "menu_counts": lambda: _menu_counts(request),
        **(context or {}),
    }
    kwargs: dict[str, Any] = {}
    if block and is_htmx(request) and not request.headers.get("hx-boosted"):
        kwargs["block_name"] = block
        ctx = {**ctx, **block_imports(template, ctx)}  # as in a full render: the imports win
    response = templates.TemplateResponse(request, template, ctx, status_code=status_code, headers=headers, **kwargs)
    if status_code in (409, 422) and not is_htmx(request):
        _focus_first_error(response)
    response.headers["Vary"] = "HX-Request"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def go(request: Request, url: str) -> Response:
    """After a successful form: 303 to the next page, or HX-Redirect when htmx sent the form."""
    from starlette.responses import RedirectResponse

    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)
