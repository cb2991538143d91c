"""The public pages for investors (/invest/{lang}/…): no sign-in, their own layout (templates/public), in
Chinese and English, server-rendered and cacheable (ETag from the body, Cache-Control public for five
minutes, 304 to a matching If-None-Match). They read only app/services/invest.py, which reads only the
publish tables. Also the sitemap, the JSON feed of published projects and /robots.txt."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app import i18n
from app.deps import DbSession
from app.errors import NotFound
from app.routing import IndexedRouter, reads_only
from app.services import invest
from app.templating import env, mu_ha, rmb_million

router = IndexedRouter()
FILTER_MAX = 100
CACHE_CONTROL = "public, max-age=300"
SITEMAP_TYPE = "application/xml"
FEED_TYPE = "application/feed+json"


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _row_id(raw: str) -> int:
    """A path's id, or 404 (a public page answers every address it does not know with its 404 page)."""
    if not raw.isdigit() or len(raw) > 10 or not 1 <= int(raw) <= 2_147_483_647:
        raise NotFound("Not found")
    return int(raw)


def _filter(raw: str | None) -> str | None:
    """A filter's value as typed, or none for one no published row could carry (too long, control characters:
    PostgreSQL cannot even compare text with NUL)."""
    if not raw or len(raw) > FILTER_MAX or any(ord(c) < 32 for c in raw):
        return None
    return raw


def _lang(lang: str) -> str:
    if lang not in i18n.LANGUAGES:
        raise NotFound("Not found")
    return lang


def cached(request: Request, body: bytes, media_type: str, status_code: int = 200) -> Response:
    """An answer with its ETag (the body's hash) and five minutes' public caching; 304 when the client has it."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if status_code == 200:
        asked = request.headers.get("if-none-match", "")
        if etag in {t.strip().removeprefix("W/") for t in asked.split(",")} or asked.strip() == "*":
            return Response(status_code=304, headers=headers)
    else:
        headers["Cache-Control"] = "public, max-age=60"
    return Response(body, status_code=status_code, media_type=media_type, headers=headers)


def page_context(request: Request, lang: str, tail: str, **context: Any) -> dict[str, Any]:
    """What every public page's layout needs: the language, its callables, the addresses of the page in
    both languages (hreflang, the switch) and its canonical address."""
    base = _base(request)
    query = f"?{request.url.query}" if request.url.query else ""
    return {
        "lang": lang,
        "html_lang": i18n.HTML_LANG[lang],
        "other_lang": "en" if lang == "zh" else "zh",
        "tail": tail,
        "base": base,
        "canonical": f"{base}/invest/{lang}/{tail}{query}",
        "alternates": {code: f"{base}/invest/{code}/{tail}{query}" for code in i18n.LANGUAGES},
        "t": lambda row, name: invest.text(row, name, lang),
        "preview": False,
        "figure_lines": invest.figure_lines,
        **i18n.callables(lang),
        **context,
    }


def render_public(template: str, context: dict[str, Any]) -> bytes:
    return env.get_template(f"public/{template}").render(context).encode()


def _page(request: Request, template: str, lang: str, tail: str, **context: Any) -> Response:
    body = render_public(template, page_context(request, lang, tail, **context))
    return cached(request, body, "text/html; charset=utf-8")


def not_found(request: Request, lang: str) -> Response:
    lang = lang if lang in i18n.LANGUAGES else "zh"
    body = render_public("404.html", page_context(request, lang, ""))
    return cached(request, body, "text/html; charset=utf-8", status_code=404)


# --- the pages -------------------------------------------------------------------------------------


def profile_context(db: Session) -> dict[str, Any]:
    return {"projects_count": len(invest.projects(db)), "sites_count": len(invest.sites(db))}


@router.get("/invest")
@router.get("/invest/")
def invest_root() -> Response:
    return RedirectResponse("/invest/zh/", status_code=307)


def invest_lang_root(lang: str) -> Response:
    if lang not in i18n.LANGUAGES:
        return RedirectResponse("/invest/zh/", status_code=307)
    return RedirectResponse(f"/invest/{lang}/", status_code=307)


@router.get("/invest/{lang}/")
@reads_only
def invest_home(request: Request, db: DbSession, lang: str) -> Response:
    try:
        _lang(lang)
    except NotFound:
        return not_found(request, lang)
    return _page(request, "index.html", lang, "", profile=invest.profile(db), **profile_context(db))


@router.get("/invest/{lang}/projects")
@reads_only
def invest_projects(
    request: Request, db: DbSession, lang: str, sector: str | None = None, chain: str | None = None
) -> Response:
    try:
        _lang(lang)
    except NotFound:
        return not_found(request, lang)
    filters = invest.Filters(sector=_filter(sector), chain=_filter(chain))
    return _page(
        request,
        "projects.html",
        lang,
        "projects",
        rows=invest.projects(db, filters),
        filters=filters,
        chains=invest.chains(db),
        sectors=invest.SECTOR_NAMES[lang],
    )


@router.get("/invest/{lang}/projects/{public_project_id}")
@reads_only
def invest_project(request: Request, db: DbSession, lang: str, public_project_id: str) -> Response:
    try:
        row = invest.project(db, _row_id(public_project_id))
        _lang(lang)
    except NotFound:
        return not_found(request, lang)
    return _page(request, "project.html", lang, f"projects/{row.id}", row=row, sectors=invest.SECTOR_NAMES[lang])


@router.get("/invest/{lang}/sites")
@reads_only
def invest_sites(request: Request, db: DbSession, lang: str) -> Response:
    try:
        _lang(lang)
    except NotFound:
        return not_found(request, lang)
    return _page(request, "sites.html", lang, "sites", rows=invest.sites(db), area_unit=invest.site_area_unit)


@router.get("/invest/{lang}/sites/{public_site_id}")
@reads_only
def invest_site(request: Request, db: DbSession, lang: str, public_site_id: str) -> Response:
    try:
        row = invest.site(db, _row_id(public_site_id))
        _lang(lang)
    except NotFound:
        return not_found(request, lang)
    return _page(request, "site.html", lang, f"sites/{row.id}", row=row, area_unit=invest.site_area_unit)


@router.get("/invest/{lang}/policies")
@reads_only
def invest_policies(request: Request, db: DbSession, lang: str) -> Response:
    try:
        _lang(lang)
        profile = invest.profile_or_404(db)
    except NotFound:
        return not_found(request, lang)
    return _page(request, "policies.html", lang, "policies", profile=profile)


# --- for machines: the sitemap, the feed, robots.txt -----------------------------------------------


@router.get("/invest/sitemap.xml")
@reads_only
def invest_sitemap(request: Request, db: DbSession) -> Response:
    base = _base(request)
    tails = ["", "projects", "sites"]
    if invest.profile(db) is not None:
        tails.append("policies")
    tails += [f"projects/{r.id}" for r in invest.projects(db)]
    tails += [f"sites/{r.id}" for r in invest.sites(db)]
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">',
    ]
    for tail in tails:
        links = "".join(
            f'<xhtml:link rel="alternate" hreflang="{i18n.HTML_LANG[c]}" href="{xml_escape(_url(base, c, tail))}"/>'
            for c in i18n.LANGUAGES
        )
        default = f'<xhtml:link rel="alternate" hreflang="x-default" href="{xml_escape(_url(base, "zh", tail))}"/>'
        for code in i18n.LANGUAGES:
            parts.append(f"<url><loc>{xml_escape(f'{base}/invest/{code}/{tail}')}</loc>{links}{default}</url>")
    parts.append("</urlset>")
    return cached(request, "\n".join(parts).encode(), SITEMAP_TYPE)


def _url(base: str, lang: str, tail: str) -> str:
    return f"{base}/invest/{lang}/{tail}"


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


@router.get("/invest/feed.json")
@reads_only
def invest_feed(request: Request, db: DbSession) -> Response:
    """JSON Feed 1.1 of the published projects (for other portals), in English with the Chinese beside."""
    base = _base(request)
    items = []
    for row in invest.projects(db):
        item: dict[str, Any] = {
            "id": f"{base}/invest/en/projects/{row.id}",
            "url": f"{base}/invest/en/projects/{row.id}",
            "title": invest.text(row, "title", "en"),
            "content_text": invest.text(row, "summary", "en"),
            "language": "en",
            "tags": [t for t in (invest.SECTOR_NAMES["en"][row.sector.value], invest.text(row, "chain", "en")) if t],
            "_investment": {
                "investment_wan": str(row.investment_wan),
                "investment_text": rmb_million(row.investment_wan),
                "land_mu": str(row.land_mu) if row.land_mu is not None else None,
                "land_text": mu_ha(row.land_mu) if row.land_mu is not None else None,
                "title_zh": row.title_zh,
                "url_zh": f"{base}/invest/zh/projects/{row.id}",
                "contact": invest.text(row, "contact", "en"),
                "contact_phone": row.contact_phone,
            },
        }
        published = _iso(row.published_at)
        if published:
            item["date_published"] = published
        items.append(item)
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Projects seeking investment",
        "home_page_url": f"{base}/invest/en/projects",
        "feed_url": f"{base}/invest/feed.json",
        "language": "en",
        "items": items,
    }
    return cached(request, json.dumps(feed, ensure_ascii=False, indent=1).encode(), FEED_TYPE)


@router.get("/robots.txt")
def robots_txt(request: Request) -> Response:
    body = (
        "User-agent: *\nAllow: /invest/\nAllow: /static/public.css\nDisallow: /\n\n"
        f"Sitemap: {_base(request)}/invest/sitemap.xml\n"
    )
    return cached(request, body.encode(), "text/plain; charset=utf-8")


# last: /invest/{lang} would otherwise take /invest/sitemap.xml and /invest/feed.json
router.get("/invest/{lang}")(invest_lang_root)
