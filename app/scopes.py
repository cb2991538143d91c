"""What an API token may do: its role (unit staff, the coordinating bureau, or a reader of everything)
and its scopes (read, and write per area). One table says which area each API write belongs to; the
API's principal dependency refuses a write outside the token's scopes before any service runs, and the
services still decide per object what the role may do."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Literal, get_args


class TokenRole(StrEnum):
    unit_staff = "unit_staff"
    coordinator = "coordinator"
    reader = "reader"

    @property
    def label(self) -> str:
        return TOKEN_ROLE_LABELS[self]


TOKEN_ROLE_LABELS = {
    TokenRole.unit_staff: "单位工作人员（限本单位）",
    TokenRole.coordinator: "招商局（统筹）",
    TokenRole.reader: "只读（全部单位）",
}

SCOPES: dict[str, str] = {
    "read": "读取",
    "leads": "线索与客商",
    "projects": "项目与进度",
    "funds_review": "到位资金确认",
    "tickets": "服务问题",
    "awards": "奖励",
    "targets": "目标与竞赛",
    "reports": "报告与通报",
    "admin": "系统管理",
}
"""Scope code -> its Chinese name (the token page and the API's refusals use it)."""

ScopeCode = Literal["read", "leads", "projects", "funds_review", "tickets", "awards", "targets", "reports", "admin"]
assert set(get_args(ScopeCode)) == set(SCOPES)

ROLE_SCOPES: dict[TokenRole, frozenset[str]] = {
    TokenRole.unit_staff: frozenset({"read", "leads", "projects", "tickets", "awards", "reports", "admin"}),
    TokenRole.coordinator: frozenset(SCOPES),
    TokenRole.reader: frozenset({"read"}),
}
"""The scopes a token of each role may carry (a unit's staff confirm no funds and set no targets)."""

DEFAULT_SCOPES: dict[TokenRole, tuple[str, ...]] = {
    TokenRole.unit_staff: ("read", "leads", "projects", "tickets", "awards", "reports"),
    TokenRole.coordinator: ("read",),
    TokenRole.reader: ("read",),
}

# (method or "*", path pattern under /api/v1, area): the first match wins. A write with no match is
# refused (tests/core/test_token_scopes.py lists every API write and checks it has an area).
_AREAS: list[tuple[str, re.Pattern[str], str]] = [
    (m, re.compile(p), a)
    for m, p, a in [
        ("POST", r"^/leads/check-duplicates$", "read"),
        ("*", r"^/(leads|registry|investors|duplicates|natives)(/|$)", "leads"),
        ("*", r"^/(projects/\d+/funds/\d+/review|funds)(/|$)", "funds_review"),
        ("POST", r"^/results/\d+/review$", "funds_review"),  # confirming results after production, as funds
        ("*", r"^/results(/|$)", "projects"),  # results after production: entered, corrected, imported
        ("*", r"^/projects/\d+/(agreement|credit)(/|$)", "awards"),
        ("*", r"^/projects(/|$)", "projects"),
        ("*", r"^/activities(/|$)", "projects"),  # a unit's promotion work: trips, receptions, events, trade
        ("*", r"^/tickets(/|$)", "tickets"),
        ("*", r"^/open311/", "tickets"),  # Open311 GeoReport v2 (its own path, beside /api/v1)
        ("*", r"^/(awards|policies|award-budget)(/|$)", "awards"),
        ("*", r"^/(targets|campaigns|rankings)(/|$)", "targets"),
        ("*", r"^/(reports|bulletins|spot-checks)(/|$)", "reports"),
        ("*", r"^/tasks(/|$)", "reports"),  # supervised tasks (督办): a unit reports progress, the office reviews
        ("*", r"^/(units|users|tokens|settings|calendar|webhooks|robots|admin)(/|$)", "admin"),
        ("*", r"^/(sections|people)(/|$)", "admin"),  # a unit's sections and people (the units' own above)
        ("*", r"^/(ticket-categories|lost-reasons)(/|$)", "admin"),
        ("*", r"^/progress(/|$)", "projects"),  # a project's visit (progress update): who worked it
        ("*", r"^/(meetings|interviews)(/|$)", "reports"),  # meetings' decisions and interviews' promises (督办)
        ("*", r"^/assessment(/|$)", "targets"),  # the year's assessment: scheme, scores, bonuses, publishing
        ("POST", r"^/letters/\d+/acknowledge$", "reports"),  # a unit's system reports its head's signature
        ("*", r"^/(teams|letters|letter-rules)(/|$)", "targets"),  # industry teams, responsibility letters
        ("*", r"^/(plots|buildings|land-quotas)(/|$)", "projects"),  # land and buildings for investors (载体)
        ("*", r"^/leading-industries(/|$)", "admin"),  # the county's leading industries (主导产业)
        ("*", r"^/per-mu(/|$)", "targets"),  # the per-mu evaluation (亩均评价): scheme, publishing
        ("*", r"^/compliance-cases(/|$)", "awards"),  # compliance cases: clawbacks, damages, land taken back
        ("*", r"^/chains(/|$)", "projects"),  # industry chains (产业链): links, their local firms
        ("*", r"^/map/layers(/|$)", "admin"),  # the map's boundaries (GeoJSON), kept by the coordinator
        ("*", r"^/parks(/|$)", "projects"),  # a park's place on the map, as plots' and buildings'
        ("*", r"^/(target-companies|target-lists)(/|$)", "leads"),  # target companies (目标企业): 敲门, to leads
        ("*", r"^/(approvals|approval-kinds)(/|$)", "projects"),  # approvals after signing (审批事项)
        ("*", r"^/agency(/|$)", "projects"),  # the 代办 window: hand-overs of an approval's papers
        ("*", r"^/prereview-departments(/|$)", "admin"),  # the departments that pre-review each category
        ("*", r"^/publish(/|$)", "admin"),  # what the county publishes to investors (对外发布), the coordinator's
    ]
]

API_PREFIX = "/api/v1"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def area_of(method: str, path: str) -> str | None:
    """The scope a request needs: "read" for reads, the area of a write, None for a write in no area."""
    if method in READ_METHODS:
        return "read"
    tail = path.removeprefix(API_PREFIX)
    for m, pattern, area in _AREAS:
        if (m == "*" or m == method) and pattern.search(tail):
            return area
    return None


def parse(text: str) -> frozenset[str]:
    """Scopes as stored (space-separated)."""
    return frozenset(text.split())


def describe(scopes: frozenset[str] | set[str] | tuple[str, ...]) -> str:
    """Scopes in words, in the table's order: 读取、线索与客商…"""
    return "、".join(label for code, label in SCOPES.items() if code in scopes)
