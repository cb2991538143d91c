"""The stage gate: every way a project reaches a stage passes here.

The stage form and the API's stage move (projects.change_stage, and a progress update that moves the
stage), creation at a later stage (page and API: projects.create), and the ledger import
(project_import's row check, then projects.create_many) all ask `missing_evidence` for the stages a
project passes on its way: a move from 正式签约 to 投产 passes 落户注册, 开工, 竣工 and 投产, and must bring the
evidence of each. The rules come from the coordinator's settings (`stage_evidence.<stage>`):

- 0: none;
- 1: a file (any photo or document), which only the stage form and the API's attachments can bring;
- 2: the stage's evidence number, or a file that proves it: 正式签约 the contract (合同编号, or the contract
  as a file), 开工 the construction permit (施工许可证号, or a dated site photo), 投产 a production record
  (投产证明编号: e.g. the pollutant discharge permit or the first sales invoice, or a file).

开工 may cite the construction permit recorded among the project's approvals (app.services.approvals): a
施工许可证号 equal to that granted permit's document number proves 开工 under either rule, and is not
flagged for its form (the department's own document number).

Creation and the import carry no files, so there the numbers are the evidence.

A move that passes the gate can still look wrong. `anomalies` names what the coordinator should check:
several stages reached in one day, 投产 with no contract investment, a permit number of no plausible
form (`permit_problem`). A flag never refuses the move: it is stored (ProjectAnomaly), shown on the
project page, in the list's "异常" filter and in the API, and the coordinator clears it with a reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import policy
from app.errors import Invalid, NotFound
from app.models.base import utcnow
from app.models.project import STAGE_ORDER, AnomalyKind, Project, ProjectAnomaly, Stage
from app.principal import Principal
from app.services import app_settings, audit, events, workdays
from app.services.common import check_version

EVIDENCE_KEYS = {s: f"stage_evidence.{s.value}" for s in Stage}
STAGES_ONE_DAY_KEY = "anomaly_stages_one_day"
DEFAULT_RULES = {Stage.signed: 2, Stage.started: 2, Stage.production: 2}

app_settings.DEFAULTS.update(
    {
        **{key: str(DEFAULT_RULES.get(s, 0)) for s, key in EVIDENCE_KEYS.items()},
        STAGES_ONE_DAY_KEY: "3",
    }
)
app_settings.LABELS.update(
    {
        **{
            key: f"进入“{s.label}”所需证据（0 无，1 须上传文件，2 证明编号或证明文件："
            "签约为合同编号，开工为施工许可证号或现场照片，投产为投产证明编号）"
            for s, key in EVIDENCE_KEYS.items()
        },
        STAGES_ONE_DAY_KEY: "签约以后一天内到达多少个阶段标为异常",
    }
)


@dataclass(frozen=True)
class Proof:
    """How a stage is proved by number: the field that carries it, its name, and what else may prove it."""

    field: str
    number: str
    or_file: str
    photo_only: bool = False


PROOFS = {
    Stage.signed: Proof("contract_no", "合同（协议）编号", "上传签约合同或协议文件"),
    Stage.started: Proof("permit_no", "施工许可证号", "上传带日期的现场照片", photo_only=True),
    Stage.production: Proof(
        "production_no", "投产证明编号（如排污许可证号、首笔销售发票号）", "上传投产证明文件或现场照片"
    ),
}


@dataclass(frozen=True)
class Evidence:
    """What a move brings: the numbers typed, and the kinds of the files sent with it (photo, document).
    `files_possible` is False where no file can come (creation, the ledger import)."""

    contract_no: str = ""
    permit_no: str = ""
    production_no: str = ""
    file_kinds: tuple[str, ...] = ()
    files_possible: bool = True
    cited_permit: str = ""  # the project's granted construction permit (app.services.approvals), if any

    def cites_permit(self) -> bool:
        """The 施工许可证号 typed is the document number of the construction permit recorded as granted."""
        return bool(self.cited_permit) and self.number("permit_no") == self.cited_permit.strip()

    def number(self, field_name: str) -> str:
        return str(getattr(self, field_name, "") or "").strip()


@dataclass(frozen=True)
class Rules:
    evidence: Mapping[Stage, int]
    stages_one_day: int = 3


def rules(db: Session) -> Rules:
    """The coordinator's rules, in one query."""
    values = app_settings.get_many(db, [*EVIDENCE_KEYS.values(), STAGES_ONE_DAY_KEY])
    return Rules(
        evidence={s: int(Decimal(values[key])) for s, key in EVIDENCE_KEYS.items()},
        stages_one_day=max(2, int(Decimal(values[STAGES_ONE_DAY_KEY]))),
    )


def passed(current: Stage | None, target: Stage) -> list[Stage]:
    """The stages a move from `current` (None: a new project) to `target` reaches, in order."""
    start = 0 if current is None else current.order + 1
    return STAGE_ORDER[start : target.order + 1]


def missing_evidence(the_rules: Rules, stages: Iterable[Stage], evidence: Evidence) -> dict[str, str]:
    """The gate: for each stage passed whose evidence is missing, a Chinese message keyed by the field
    to fill (empty when all is there). Every path that moves a project onto a stage asks this."""
    errors: dict[str, str] = {}
    kinds = evidence.file_kinds
    for stage in stages:
        rule = the_rules.evidence.get(stage, 0)
        if rule <= 0:
            continue
        if stage is Stage.started and evidence.cites_permit():
            continue  # the construction permit granted among the project's approvals proves 开工
        proof = PROOFS.get(stage)
        if rule == 1 or proof is None:
            if kinds:
                continue
            if evidence.files_possible:
                errors.setdefault("files", f"进入“{stage.label}”须上传证明文件")
            else:
                errors.setdefault("stage", f"进入“{stage.label}”须上传证明文件：请按之前的阶段新建，再推进阶段并上传")
            continue
        file_proves = ("photo" in kinds) if proof.photo_only else bool(kinds)
        if evidence.number(proof.field) or file_proves:
            continue
        if evidence.files_possible:
            errors[proof.field] = f"进入“{stage.label}”须填写{proof.number}，或{proof.or_file}"
        else:
            errors[proof.field] = f"进入“{stage.label}”须填写{proof.number}"
    return errors


def check(db: Session, current: Stage | None, target: Stage, evidence: Evidence) -> Rules:
    """`missing_evidence` for a move, raised as Invalid (422, next to each field); the rules, for `anomalies`."""
    the_rules = rules(db)
    errors = missing_evidence(the_rules, passed(current, target), evidence)
    if errors:
        raise Invalid(errors)
    return the_rules


# --- the construction permit's number -----------------------------------------------------------

# the first two digits of an administrative-division code (GB/T 2260): provinces, HK, Macao, Taiwan
PROVINCE_CODES = frozenset(
    ("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
     "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82")
)  # fmt: skip
_SEPARATORS = re.compile(r"[\s\-_/.·—]")
_YEAR = re.compile(r"(?<!\d)(19|20)\d{2}(?!\d)")


def permit_problem(text: str, today: date | None = None) -> str:
    """Why a 建筑工程施工许可证 number looks implausible ("" when it looks like one). The rule:

    - the national form (住建部, since 2014): 18 digits, a 6-digit administrative-division code whose
      first two digits name a province, the date of issue as YYYYMMDD (a real day from 1990 to today),
      then a 4-digit serial (often 2 of sequence and 2 of project type);
    - older numeric forms: 12 to 17 digits, a division code as above followed by the year (1990 to
      this year) and a serial, e.g. 430102 2026 00123;
    - older document numbers: 6 to 60 characters naming the permit (施 or 许), a year from 1990 to this
      year and a serial, e.g. 苏建施字〔2012〕045号, (2008)施字第123号, 建施许2015-0123.
    Spaces and hyphens are ignored in the numeric forms; full-width characters count as half-width.
    """
    today = today or workdays.today()
    value = unicodedata.normalize("NFKC", text or "").strip()
    compact = _SEPARATORS.sub("", value)
    if not compact:
        return "施工许可证号为空"
    if compact.isdigit():
        if compact[:2] not in PROVINCE_CODES:
            return "前 6 位应为行政区划代码"
        if len(compact) == 18:
            try:
                issued = date(int(compact[6:10]), int(compact[10:12]), int(compact[12:14]))
            except ValueError:
                return "第 7–14 位应为发证日期（年月日）"
            if not date(1990, 1, 1) <= issued <= today:
                return "发证日期不在 1990 年至今之间"
            return ""
        if 12 <= len(compact) <= 17:
            if 1990 <= int(compact[6:10]) <= today.year:
                return ""
            return "第 7–10 位应为年份"
        return "全国统一编号为 18 位数字（行政区划代码 + 发证日期 + 顺序号）"
    if not 6 <= len(value) <= 60:
        return "编号长度不合常理"
    years = [int(m.group(0)) for m in _YEAR.finditer(value)]
    if not any(1990 <= y <= today.year for y in years):
        return "编号中没有 1990 年至今的年份"
    if "施" not in value and "许" not in value:
        return "旧式编号应为施工许可文号（含“施”或“许”字）"
    digits = re.findall(r"\d+", value)
    if len(digits) < 2:
        return "编号中没有顺序号"
    return ""


# --- anomaly flags --------------------------------------------------------------------------------


def anomalies(
    the_rules: Rules, project: Project, stages: Sequence[Stage], when: date, evidence: Evidence
) -> list[tuple[AnomalyKind, str]]:
    """What a move that passed the gate should have checked by the coordinator. `project` shows its
    stage dates after the move; `stages` are those the move reached, on `when`."""
    found: list[tuple[AnomalyKind, str]] = []
    if not stages:
        return found
    same_day = [s for s in STAGE_ORDER[Stage.signed.order :] if getattr(project, f"{s.value}_on", None) == when]
    if len(same_day) >= the_rules.stages_one_day and any(s in same_day for s in stages):
        names = "、".join(s.label for s in same_day)
        found.append((AnomalyKind.stages_one_day, f"{when} 一天内到达 {len(same_day)} 个阶段：{names}"))
    if any(s.order >= Stage.production.order for s in stages) and not (project.contract_investment or 0) > 0:
        found.append((AnomalyKind.production_zero_contract, f"到达“{stages[-1].label}”时合同投资额为 0"))
    permit = evidence.permit_no.strip()
    if permit and Stage.started in stages and not evidence.cites_permit():
        problem = permit_problem(permit)
        if problem:
            found.append((AnomalyKind.permit_format, f"施工许可证号“{permit[:60]}”：{problem}"))
    return found


def open_kinds(db: Session, project_id: int) -> set[AnomalyKind]:
    stmt = select(ProjectAnomaly.kind).where(
        ProjectAnomaly.project_id == project_id, ProjectAnomaly.cleared_at.is_(None)
    )
    return set(db.execute(stmt).scalars())


def raise_flags(
    db: Session,
    principal: Principal,
    project: Project,
    found: Sequence[tuple[AnomalyKind, str]],
    when: date,
    *,
    stage_event_id: int | None,
    already_open: set[AnomalyKind] | None = None,
) -> list[ProjectAnomaly]:
    """Store the flags a move raised (one open flag of a kind per project: the first stays until cleared)."""
    if not found:
        return []
    if already_open is None:
        already_open = open_kinds(db, project.id)
    rows = [
        ProjectAnomaly(
            project_id=project.id,
            kind=kind,
            detail=detail,
            stage_event_id=stage_event_id,
            raised_on=when,
            raised_by_id=principal.user_id,
        )
        for kind, detail in found
        if kind not in already_open
    ]
    db.add_all(rows)
    events.warnings_raised(db, project, rows)
    return rows


def list_for(db: Session, project_id: int, *, include_cleared: bool = True) -> list[ProjectAnomaly]:
    """A project's flags, open ones first, newest first (the caller has checked the principal reads it)."""
    stmt = select(ProjectAnomaly).where(ProjectAnomaly.project_id == project_id)
    if not include_cleared:
        stmt = stmt.where(ProjectAnomaly.cleared_at.is_(None))
    rows = db.execute(stmt.order_by(ProjectAnomaly.id.desc())).scalars().all()
    return sorted(rows, key=lambda a: a.cleared_at is not None)


def open_for(db: Session, project_ids: Sequence[int]) -> dict[int, list[ProjectAnomaly]]:
    """The open flags of several projects in one query."""
    found: dict[int, list[ProjectAnomaly]] = {}
    if not project_ids:
        return found
    stmt = (
        select(ProjectAnomaly)
        .where(ProjectAnomaly.project_id.in_(set(project_ids)), ProjectAnomaly.cleared_at.is_(None))
        .order_by(ProjectAnomaly.id)
    )
    for row in db.execute(stmt).scalars():
        found.setdefault(row.project_id, []).append(row)
    return found


def clear(
    db: Session, principal: Principal, project_id: int, anomaly_id: int, reason: str, version: int | None = None
) -> ProjectAnomaly:
    """The coordinator has checked a flag: it is cleared with a reason, which the audit trail keeps."""
    policy.ensure_coordinator(principal)
    row = db.get(ProjectAnomaly, anomaly_id)
    if row is None or row.project_id != project_id:
        raise NotFound("找不到该异常标记")
    if version is not None:
        check_version(db, row, version)
    if row.cleared_at is not None:
        raise Invalid({"reason": "该异常已核销"})
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise Invalid({"reason": "请说明核查结果（至少 2 个字）"})
    if len(reason) > 1000:
        raise Invalid({"reason": "说明最多 1000 个字"})
    with audit.reason(db, reason):
        row.cleared_at = utcnow()
        row.cleared_by_id = principal.user_id
        row.clear_reason = reason
        db.flush()
    events.warning_cleared(db, row)
    return row


def as_dict(row: ProjectAnomaly) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind.value,
        "label": row.kind.label,
        "detail": row.detail,
        "raised_on": row.raised_on,
        "cleared": row.cleared_at is not None,
    }
