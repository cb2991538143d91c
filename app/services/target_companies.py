"""Target companies (目标企业, 敲门招商): lists imported from XLSX and de-duplicated against the investor
catalogue and earlier lists, assigned to a unit and a person, their approaches logged, an interested one
turned into a lead through the leads service, and the funnel per chain and per list.

Who: the coordinator imports, assigns and sees everything (as leaders and supervisors read everything); a
unit sees the targets assigned to it and their approaches, and its staff log approaches and convert them.
A target assigned to another unit is answered 404, as every unit-owned record is (app.policy)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import ColumnElement, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from app import policy
from app.errors import DomainError, Invalid, NotFound
from app.models.chain import ChainLink, IndustryChain
from app.models.investor import Investor, InvestorType
from app.models.lead import Channel
from app.models.project import STAGE_ORDER, Project, Stage
from app.models.target_company import (
    TargetApproach,
    TargetCompany,
    TargetList,
    TargetListKind,
    TargetStatus,
)
from app.models.unit import Unit
from app.models.user import User
from app.principal import Principal
from app.schemas.common import CONTROL_CHARACTERS, CONTROL_MESSAGE
from app.schemas.leads import InvestorFields, LeadCreate
from app.schemas.target_companies import ApproachCreate, ConvertToLead, TargetAssign, TargetLinkSet
from app.services import credit_code, export, leads, projects, workdays
from app.services.common import check_version
from app.services.names import name_key
from app.services.project_import import RowError, _check_container, _text

NOT_FOUND = "找不到该目标企业"
MAX_ROWS = 5_000
IN_CHUNK = 500
UNLINKED = "未挂接产业链"

# the columns of the list workbook: key → (header, required, max length)
COLUMNS: dict[str, tuple[str, bool, int]] = {
    "name": ("企业名称", True, 200),
    "credit_code": ("统一社会信用代码", False, 30),
    "industry": ("行业", False, 60),
    "hq_city": ("总部城市", False, 60),
    "size": ("规模", False, 60),
    "chain_link": ("产业链环节", False, 130),
}
HEADER_ALIASES = {
    "企业名称": "name",
    "公司名称": "name",
    "名称": "name",
    "信用代码": "credit_code",
    "总部所在地": "hq_city",
}
INVESTOR_TYPE_OF_LIST = {
    TargetListKind.fortune500: InvestorType.top500,
    TargetListKind.listed: InvestorType.listed,
}


# --- reading -------------------------------------------------------------------------------------


def get(db: Session, principal: Principal, target_id: int) -> TargetCompany:
    target = db.get(TargetCompany, target_id)
    if target is None:
        raise NotFound(NOT_FOUND)
    policy.ensure_read(principal, target.assigned_unit_id, NOT_FOUND)
    return target


def can_log(principal: Principal, target: TargetCompany) -> bool:
    """The coordinator, or the staff of the unit the target is assigned to."""
    return target.assigned_unit_id is not None and policy.can_write_unit_owned(principal, target.assigned_unit_id)


@dataclass
class TargetFilter:
    list_id: int | None = None
    chain_id: int | None = None
    unit_id: int | None = None
    status: str = ""
    q: str = ""


@dataclass
class Row:
    """A target as one principal may see it: when its lead became a confidential project whose identity the
    principal does not see (projects.lead_visible), the firm is not named, nor its code, investor or lead,
    for that would tell which firm the confidential project is; an investor of the catalogue known only
    through such projects is not linked either (projects.investor_visible)."""

    target: TargetCompany
    list_name: str
    chain_name: str  # "链 / 环节", or ""
    unit_name: str
    user_name: str
    lead_shown: bool = True
    investor_shown: bool = True

    @property
    def name(self) -> str:
        return self.target.name if self.lead_shown else projects.HIDDEN

    @property
    def credit_code(self) -> str | None:
        return self.target.credit_code if self.lead_shown else None

    @property
    def investor_id(self) -> int | None:
        return self.target.investor_id if self.lead_shown and self.investor_shown else None

    @property
    def lead_id(self) -> int | None:
        return self.target.lead_id if self.lead_shown else None


def _row(r: Any) -> Row:
    return Row(r[0], r[1], r[2], r[3], r[4], bool(r[5]), bool(r[6]))


def _rows_stmt(principal: Principal) -> Any:
    return (
        select(
            TargetCompany,
            TargetList.name,
            func.coalesce(IndustryChain.name + literal(" / ") + ChainLink.name, ""),
            func.coalesce(Unit.name, ""),
            func.coalesce(User.display_name, ""),
            projects.lead_visible(principal, TargetCompany.lead_id),
            projects.investor_visible(principal, TargetCompany.investor_id),
        )
        .join(TargetList, TargetList.id == TargetCompany.list_id)
        .outerjoin(ChainLink, ChainLink.id == TargetCompany.chain_link_id)
        .outerjoin(IndustryChain, IndustryChain.id == ChainLink.chain_id)
        .outerjoin(Unit, Unit.id == TargetCompany.assigned_unit_id)
        .outerjoin(User, User.id == TargetCompany.assigned_user_id)
    )


def _scope(principal: Principal) -> list[ColumnElement[bool]]:
    unit_id = policy.unit_filter(principal)
    return [] if unit_id is None and principal.reads_everything else [TargetCompany.assigned_unit_id == unit_id]


def _conditions(principal: Principal, f: TargetFilter) -> list[ColumnElement[bool]]:
    where = _scope(principal)
    if f.list_id:
        where.append(TargetCompany.list_id == f.list_id)
    if f.chain_id:
        where.append(TargetCompany.chain_link_id.in_(select(ChainLink.id).where(ChainLink.chain_id == f.chain_id)))
    if f.unit_id:
        where.append(TargetCompany.assigned_unit_id == f.unit_id)
    if f.status == "unassigned":
        where.append(TargetCompany.assigned_unit_id.is_(None))
    elif f.status:
        try:
            where.append(TargetCompany.status == TargetStatus(f.status))
        except ValueError:
            raise Invalid({"status": "请选择有效的状态"}) from None
    if f.q:
        where.append(or_(TargetCompany.name.contains(f.q, autoescape=True), TargetCompany.credit_code == f.q.upper()))
    return where


def list_rows(
    db: Session, principal: Principal, f: TargetFilter, *, limit: int = 20, offset: int = 0
) -> tuple[list[Row], int]:
    where = _conditions(principal, f)
    order = (TargetCompany.list_id, TargetCompany.id)
    rows = db.execute(_rows_stmt(principal).where(*where).order_by(*order).limit(limit).offset(offset))
    total = db.execute(select(func.count()).select_from(TargetCompany).where(*where)).scalar_one()
    return [_row(r) for r in rows], int(total)


def one_row(db: Session, principal: Principal, target_id: int) -> Row:
    get(db, principal, target_id)
    found = db.execute(_rows_stmt(principal).where(TargetCompany.id == target_id)).one()
    return _row(found)


def approaches_of(db: Session, target_id: int) -> list[tuple[TargetApproach, str]]:
    stmt = (
        select(TargetApproach, func.coalesce(User.display_name, ""))
        .outerjoin(User, User.id == TargetApproach.by_user_id)
        .where(TargetApproach.target_id == target_id)
        .order_by(TargetApproach.happened_on.desc(), TargetApproach.id.desc())
    )
    return [(a, name) for a, name in db.execute(stmt).all()]


def lists(db: Session) -> list[tuple[TargetList, int]]:
    """Every list with the number of its companies (lists are the coordinator's work, read by all)."""
    counts = select(TargetCompany.list_id, func.count().label("n")).group_by(TargetCompany.list_id).subquery()
    stmt = (
        select(TargetList, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.list_id == TargetList.id)
        .order_by(TargetList.id.desc())
    )
    return [(t, int(n)) for t, n in db.execute(stmt).all()]


def list_options(db: Session) -> list[tuple[int, str]]:
    return [(r.id, r.name) for r in db.execute(select(TargetList.id, TargetList.name).order_by(TargetList.id.desc()))]


def chain_options(db: Session) -> list[tuple[int, str]]:
    stmt = select(IndustryChain.id, IndustryChain.name).order_by(IndustryChain.sort_order, IndustryChain.id)
    return [(r.id, r.name) for r in db.execute(stmt)]


def unit_options(db: Session) -> list[tuple[int, str]]:
    stmt = select(Unit.id, Unit.name).where(Unit.is_active.is_(True)).order_by(Unit.sort_order, Unit.id)
    return [(r.id, r.name) for r in db.execute(stmt)]


def user_options(db: Session) -> list[tuple[int, str]]:
    """Active staff accounts as "单位 · 姓名", for the assign form's person."""
    stmt = (
        select(User.id, Unit.name, User.display_name)
        .join(Unit, Unit.id == User.unit_id)
        .where(User.is_active.is_(True), User.role == "unit_staff")
        .order_by(Unit.sort_order, Unit.id, User.display_name)
    )
    return [(r[0], f"{r[1]} · {r[2]}") for r in db.execute(stmt)]


# --- importing a list ----------------------------------------------------------------------------


class ImportInvalid(Invalid):
    """The list has rows that cannot be read (no name, a wrong credit code …); nothing was imported."""

    code = "import_invalid"

    def __init__(self, row_errors: Sequence[RowError]) -> None:
        self.row_errors = sorted(row_errors, key=lambda e: (e.row, e.cell))
        message = f"名单有 {len(self.row_errors)} 处错误，未导入任何企业。请按行号修改后重新上传。"
        self.errors = {"workbook": message}
        DomainError.__init__(self, message, details=[e.as_dict() for e in self.row_errors[:1000]])


@dataclass
class ListRow:
    row: int
    name: str
    credit_code: str | None
    industry: str
    hq_city: str
    size: str
    chain_link_id: int | None


@dataclass
class ReportRow:
    row: int
    name: str
    target_id: int | None = None
    investor_id: int | None = None
    investor_name: str = ""
    reason: str = ""


@dataclass
class ImportReport:
    list_id: int
    list_name: str
    added: int
    linked: list[ReportRow] = field(default_factory=list)
    skipped: list[ReportRow] = field(default_factory=list)


def _file_error(message: str) -> Invalid:
    return Invalid({"workbook": message}, message)


def _link_index(db: Session) -> dict[str, list[int]]:
    """A link by "链名/环节名" and by its own name (ambiguous when two chains share a link name)."""
    index: dict[str, list[int]] = {}
    stmt = select(ChainLink.id, ChainLink.name, IndustryChain.name).join(
        IndustryChain, IndustryChain.id == ChainLink.chain_id
    )
    for link_id, link_name, chain_name in db.execute(stmt):
        index.setdefault(f"{chain_name}/{link_name}", []).append(link_id)
        index.setdefault(link_name, []).append(link_id)
    return index


def read_rows(db: Session, content: bytes) -> list[ListRow]:
    """The rows of the list workbook; any row that cannot be read raises ImportInvalid (all listed)."""
    try:
        _check_container(content)  # the ledger import's checks of the file as a whole (not .xls, not a zip bomb)
    except Invalid as exc:
        raise _file_error(exc.errors["ledger"].replace("台账", "名单")) from None
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken file
        raise _file_error("无法读取该 Excel 文件，请确认文件未损坏、未加密") from None
    try:
        sheet = workbook.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 12))
    except Exception:
        raise _file_error("无法读取该 Excel 文件的内容，请在 Excel 中打开并重新保存后再导入") from None
    finally:
        workbook.close()
    header_at, positions = None, {}
    for number, values in enumerate(rows[:10], start=1):
        found: dict[str, int] = {}
        for position, value in enumerate(values):
            text = _text(value).replace(" ", "")
            key = HEADER_ALIASES.get(text) or next((k for k, c in COLUMNS.items() if c[0] == text), None)
            if key and key not in found:
                found[key] = position
        if "name" in found:
            header_at, positions = number, found
            break
    if header_at is None:
        raise ImportInvalid([RowError(1, "企业名称", "找不到表头：表头行应包含“企业名称”等列名（可下载模板对照）")])
    links = _link_index(db)
    errors: list[RowError] = []
    out: list[ListRow] = []
    for number, values in enumerate(rows[header_at:], start=header_at + 1):
        cells = {k: (_text(values[p]) if p < len(values) else "") for k, p in positions.items()}
        if not any(cells.values()):
            continue
        if len(out) >= MAX_ROWS:
            raise _file_error(f"一次最多导入 {MAX_ROWS} 行，请分批导入")
        row_errors = []
        for key, text in cells.items():
            header, _required, max_length = COLUMNS[key]
            if len(text) > max_length:
                row_errors.append(RowError(number, header, f"不能超过 {max_length} 个字"))
        if len(cells.get("name", "")) < 2:
            row_errors.append(RowError(number, "企业名称", "请填写企业名称（至少 2 个字）"))
        code = credit_code.normalise(cells.get("credit_code", "")) or None
        if code and (problem := credit_code.problem(code)):
            row_errors.append(RowError(number, "统一社会信用代码", problem))
        link_id = None
        if link_text := cells.get("chain_link", "").replace(" ", "").replace("／", "/"):
            found_links = links.get(link_text, [])
            if len(found_links) != 1:
                message = "找不到该产业链环节" if not found_links else "多条产业链有同名环节，请写作“链名/环节名”"
                row_errors.append(RowError(number, "产业链环节", message))
            else:
                link_id = found_links[0]
        if row_errors:
            errors.extend(row_errors)
            continue
        out.append(
            ListRow(
                number,
                cells["name"],
                code,
                cells.get("industry", ""),
                cells.get("hq_city", ""),
                cells.get("size", ""),
                link_id,
            )
        )
    if errors:
        raise ImportInvalid(errors)
    if not out:
        raise _file_error("名单中没有企业：请在表头下方逐行填写")
    return out


def _chunks(values: Sequence[str]) -> list[Sequence[str]]:
    return [values[i : i + IN_CHUNK] for i in range(0, len(values), IN_CHUNK)]


def _existing(db: Session, stmt: Any, model: Any, codes: list[str], keys: list[str]) -> list[Any]:
    """The rows of `stmt` whose credit code or normalised name is one of the file's, in chunks."""
    found: list[Any] = []
    for chunk in _chunks(codes):
        found += db.execute(stmt.where(model.credit_code.in_(chunk))).all()
    for chunk in _chunks(keys):
        found += db.execute(stmt.where(model.name_key.in_(chunk))).all()
    return found


def _same_firm(code: str | None, key: str, by_code: dict[str, Any], by_key: dict[str, Any]) -> Any:
    """The match for a row: the same credit code, else the same normalised name when the two do not carry
    different codes (two codes: two firms of one name)."""
    if code and code in by_code:
        return by_code[code]
    found = by_key.get(key)
    if found is None or (code and found[-1] and found[-1] != code):
        return None
    return found


def import_list(
    db: Session, principal: Principal, *, name: str, kind: TargetListKind, source_note: str, content: bytes
) -> ImportReport:
    """A new list from the workbook. Every row is read first (a wrong row: nothing imported, all reported);
    then each row is matched by credit code, else by normalised name: a row repeating an earlier row of the
    file or a target already imported is skipped; one matching an investor of the catalogue is imported and
    linked to it. The report lists both."""
    policy.ensure_coordinator(principal)
    name = name.strip()
    if len(name) < 2 or len(name) > 100:
        raise Invalid({"name": "请填写名单名称（2–100 个字）"})
    if db.execute(select(TargetList.id).where(TargetList.name == name)).first() is not None:
        raise Invalid({"name": "已有同名名单"})
    if CONTROL_CHARACTERS.search(name):
        raise Invalid({"name": CONTROL_MESSAGE})
    if len(source_note) > 2000 or CONTROL_CHARACTERS.search(source_note):
        raise Invalid({"source_note": "不能超过 2000 个字" if len(source_note) > 2000 else CONTROL_MESSAGE})
    rows = read_rows(db, content)
    codes = sorted({r.credit_code for r in rows if r.credit_code})
    keys = sorted({name_key(r.name) for r in rows})
    earlier_by_code: dict[str, tuple[str, str | None]] = {}
    earlier_by_key: dict[str, tuple[str, str | None]] = {}
    stmt = select(TargetList.name, TargetCompany.name_key, TargetCompany.credit_code).join(
        TargetList, TargetList.id == TargetCompany.list_id
    )
    for list_name, key, code in _existing(db, stmt, TargetCompany, codes, keys):
        if code:
            earlier_by_code.setdefault(code, (list_name, code))
        earlier_by_key.setdefault(key, (list_name, code))
    investor_by_code: dict[str, tuple[int, str, str | None]] = {}
    investor_by_key: dict[str, tuple[int, str, str | None]] = {}
    investor_stmt = select(Investor.id, Investor.name, Investor.name_key, Investor.credit_code)
    for inv_id, inv_name, key, code in _existing(db, investor_stmt, Investor, codes, keys):
        if code:
            investor_by_code.setdefault(code, (inv_id, inv_name, code))
        investor_by_key.setdefault(key, (inv_id, inv_name, code))
    target_list = TargetList(name=name, kind=kind, source_note=source_note, imported_by_id=principal.user_id)
    db.add(target_list)
    db.flush()
    report = ImportReport(target_list.id, name, 0)
    seen_code: dict[str, int] = {}
    seen_key: dict[str, int] = {}
    added: list[tuple[TargetCompany, ReportRow | None]] = []
    for r in rows:
        key = name_key(r.name)
        if r.credit_code and r.credit_code in seen_code:
            report.skipped.append(ReportRow(r.row, r.name, reason=f"与第 {seen_code[r.credit_code]} 行信用代码相同"))
            continue
        if not r.credit_code and key in seen_key:
            report.skipped.append(ReportRow(r.row, r.name, reason=f"与第 {seen_key[key]} 行名称相同"))
            continue
        earlier = _same_firm(r.credit_code, key, earlier_by_code, earlier_by_key)
        if earlier is not None:
            report.skipped.append(ReportRow(r.row, r.name, reason=f"已在名单“{earlier[0]}”中"))
            continue
        if r.credit_code:
            seen_code[r.credit_code] = r.row
        seen_key.setdefault(key, r.row)
        investor = _same_firm(r.credit_code, key, investor_by_code, investor_by_key)
        target = TargetCompany(
            list_id=target_list.id,
            name=r.name,
            name_key=key,
            credit_code=r.credit_code,
            industry=r.industry,
            hq_city=r.hq_city,
            size=r.size,
            chain_link_id=r.chain_link_id,
            investor_id=investor[0] if investor else None,
            status=TargetStatus.new,
        )
        link = ReportRow(r.row, r.name, investor_id=investor[0], investor_name=investor[1]) if investor else None
        added.append((target, link))
    db.add_all([t for t, _ in added])
    db.flush()
    for target, link in added:
        if link is not None:
            link.target_id = target.id
            report.linked.append(link)
    report.added = len(added)
    return report


def template_workbook() -> bytes:
    headers = [c[0] for c in COLUMNS.values()]
    example = ["示例新能源科技股份有限公司", "91620100MA71K3QX2F", "新能源装备制造", "深圳", "营收 100 亿元以上", ""]
    return export.xlsx("目标企业名单", headers, [example])


# --- assigning, approaching, converting ----------------------------------------------------------


def assign(db: Session, principal: Principal, data: TargetAssign) -> list[TargetCompany]:
    """The coordinator assigns targets to a unit and, optionally, a person of that unit."""
    policy.ensure_coordinator(principal)
    unit = db.get(Unit, data.unit_id)
    if unit is None or not unit.is_active:
        raise Invalid({"unit_id": "请选择负责单位"})
    if data.user_id is not None:
        user = db.get(User, data.user_id)
        if user is None or not user.is_active or user.unit_id != unit.id:
            raise Invalid({"user_id": "负责人须为该单位的在职人员"})
    ids = sorted(set(data.target_ids))
    targets = list(db.execute(select(TargetCompany).where(TargetCompany.id.in_(ids))).scalars())
    if len(targets) != len(ids):
        raise Invalid({"target_ids": "有目标企业不存在，请刷新后重试"})
    for target in targets:
        target.assigned_unit_id = unit.id
        target.assigned_user_id = data.user_id
    db.flush()
    return targets


def set_link(db: Session, principal: Principal, target_id: int, data: TargetLinkSet) -> TargetCompany:
    """The coordinator attaches a target to a chain's link (or detaches it)."""
    policy.ensure_coordinator(principal)
    target = get(db, principal, target_id)
    check_version(db, target, data.version)
    if data.chain_link_id is not None and db.get(ChainLink, data.chain_link_id) is None:
        raise Invalid({"chain_link_id": "找不到该产业链环节"})
    target.chain_link_id = data.chain_link_id
    db.flush()
    return target


def log_approach(db: Session, principal: Principal, target_id: int, data: ApproachCreate) -> TargetApproach:
    target = get(db, principal, target_id)
    if not can_log(principal, target):
        raise policy.DeniedForbidden("只有招商局和负责单位可以记录敲门情况")
    check_version(db, target, data.version)
    if data.happened_on > workdays.today():
        raise Invalid({"happened_on": "不能晚于今天"})
    if data.interested and data.declined:
        raise Invalid({"declined": "“有意向”和“无意向”只能选一个"})
    approach = TargetApproach(
        target_id=target.id,
        kind=data.kind,
        happened_on=data.happened_on,
        outcome=data.outcome,
        interested=data.interested,
        by_user_id=principal.user_id,
    )
    db.add(approach)
    if target.status is not TargetStatus.lead:
        if data.interested:
            target.status = TargetStatus.interested
        elif data.declined:
            target.status = TargetStatus.declined
        elif target.status is TargetStatus.new:
            target.status = TargetStatus.contacted
    db.flush()
    return approach


def _lead_content(db: Session, target: TargetCompany) -> str:
    history = [
        f"{a.happened_on.isoformat()} {a.kind.label}：{a.outcome}"
        for a, _name in reversed(approaches_of(db, target.id))
    ]
    return ("目标企业敲门招商转入。\n" + "\n".join(history))[:4000]


def convert_to_lead(db: Session, principal: Principal, target_id: int, data: ConvertToLead) -> TargetCompany:
    """An interested target becomes a lead of its unit, made by the leads service (its duplicate warning,
    credit and audit hold); the target keeps its approaches and points at the lead."""
    target = get(db, principal, target_id)
    if not can_log(principal, target):
        raise policy.DeniedForbidden("只有招商局和负责单位可以转为线索")
    check_version(db, target, data.version)
    if target.status is not TargetStatus.interested:
        raise Invalid({"__all__": f"目标企业当前为“{target.status.label}”，有意向后才能转为线索"})
    chain_name = ""
    if target.chain_link_id is not None:
        chain_name = db.execute(
            select(IndustryChain.name)
            .join(ChainLink, ChainLink.chain_id == IndustryChain.id)
            .where(ChainLink.id == target.chain_link_id)
        ).scalar_one()
    target_list = db.get(TargetList, target.list_id)
    assert target_list is not None and target.assigned_unit_id is not None
    user = db.get(User, target.assigned_user_id) if target.assigned_user_id else None
    lead_data = LeadCreate(
        channel=Channel.industry_chain if chain_name else Channel.door_knocking,
        project_name=data.project_name,
        industry=(chain_name or target.industry)[:60],
        intended_investment=data.intended_investment,
        content=_lead_content(db, target),
        contact_name=data.contact_name,
        contact_phone=data.contact_phone,
        lead_date=workdays.today(),
        brought_by_name=user.display_name if user else "",
        investor_id=target.investor_id,
        investor=None
        if target.investor_id
        else InvestorFields(
            name=target.name,
            credit_code=target.credit_code,
            investor_type=INVESTOR_TYPE_OF_LIST.get(target_list.kind, InvestorType.private),
            origin_city=target.hq_city[:30],
            industry=target.industry,
        ),
        unit_id=target.assigned_unit_id,
        acknowledge_duplicates=data.acknowledge_duplicates,
    )
    lead = leads.create(db, principal, lead_data, brought_by_id=target.assigned_user_id)
    target.lead_id = lead.id
    target.investor_id = lead.investor_id
    target.status = TargetStatus.lead
    db.flush()
    return target


def target_of_lead(db: Session, principal: Principal, lead_id: int) -> TargetCompany | None:
    """The target a lead came from, when the principal may read it (the lead page links back)."""
    target = db.execute(select(TargetCompany).where(TargetCompany.lead_id == lead_id)).scalars().first()
    if target is None or not policy.can_read_unit_owned(principal, target.assigned_unit_id):
        return None
    return target


# --- the funnel ----------------------------------------------------------------------------------

SIGNED_STAGES = [s.value for s in STAGE_ORDER[STAGE_ORDER.index(Stage.signed) :]]


@dataclass
class FunnelRow:
    key: int | None
    name: str
    targets: int
    contacted: int
    interested: int
    leads: int
    projects: int
    signed: int


def funnel(db: Session, principal: Principal, by: str) -> list[FunnelRow]:
    """targets → contacted (≥ 1 approach) → interested → leads → projects → signed, per chain or per list,
    in one statement over the targets the principal sees."""
    approached = exists().where(TargetApproach.target_id == TargetCompany.id)
    interested_once = exists().where(TargetApproach.target_id == TargetCompany.id, TargetApproach.interested.is_(True))
    project = exists().where(Project.lead_id == TargetCompany.lead_id)
    signed = exists().where(Project.lead_id == TargetCompany.lead_id, Project.stage.in_(SIGNED_STAGES))

    def counted(condition: ColumnElement[bool]) -> Any:
        return func.sum(case((condition, 1), else_=0))

    has_lead = TargetCompany.lead_id.is_not(None)
    measures = (
        func.count(TargetCompany.id),
        counted(or_(approached, has_lead)),
        counted(or_(interested_once, has_lead)),
        counted(has_lead),
        counted(and_(has_lead, project)),
        counted(and_(has_lead, signed)),
    )
    where = _scope(principal)
    if by == "list":
        stmt = (
            select(TargetList.id, TargetList.name, *measures)
            .join(TargetCompany, TargetCompany.list_id == TargetList.id)
            .where(*where)
            .group_by(TargetList.id, TargetList.name)
            .order_by(TargetList.id.desc())
        )
    else:
        stmt = (
            select(IndustryChain.id, func.coalesce(IndustryChain.name, UNLINKED), *measures)
            .select_from(TargetCompany)
            .outerjoin(ChainLink, ChainLink.id == TargetCompany.chain_link_id)
            .outerjoin(IndustryChain, IndustryChain.id == ChainLink.chain_id)
            .where(*where)
            .group_by(IndustryChain.id, IndustryChain.name, IndustryChain.sort_order)
            .order_by(IndustryChain.sort_order.is_(None), IndustryChain.sort_order, IndustryChain.id)
        )
    return [FunnelRow(r[0], r[1], *(int(v or 0) for v in r[2:])) for r in db.execute(stmt).all()]
