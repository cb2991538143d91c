"""History in words: the change history on the project, lead, award and unit pages and on /audit shows
Chinese labels and values (choices by their labels, references by name), never an internal column name
or an enum key, and no search key or hash column. Every shown column of every audited model has a label.
On SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Enum
from sqlalchemy.orm import Session

from app.models import labels
from app.models.award import AwardStatus, PolicyKind
from app.models.base import Base
from app.models.lead import LeadStatus
from app.models.project import Stage
from app.models.unit import UnitKind
from app.models.user import Role
from app.schemas.leads import LeadJudge
from app.services import awards, history, leads, workdays
from tests.awards.factories import confirmed_funds, make_budget, make_policy
from tests.conftest import login
from tests.core.test_audit import acting_as
from tests.core.test_query_counts import counting
from tests.factories import PASSWORD, make_unit, make_user
from tests.projects.factories import make_lead, make_project

TODAY = workdays.today()


def section(page: str, heading: str) -> str:
    """The text of the card headed `heading` (its tags dropped, entities read)."""
    start = page.index(f">{heading}</h2>")
    end = page.index("</section>", start)
    return html.unescape(re.sub(r"<[^>]+>", " ", page[start:end]))


def internal_words(text: str) -> list[str]:
    """Column names and enum keys a reader should never see: snake_case words and bare ASCII keys."""
    return re.findall(r"\b[a-z]+_[a-z_]+\b|\b(?:proposed|rejected|pending|valid|invalid|active)\b", text)


@pytest.fixture
def world(db: Session) -> dict:
    bureau = make_unit(db, name="县招商局", kind=UnitKind.department)
    coordinator = make_user(db, bureau, Role.coordinator, display_name="王统筹")
    town = make_unit(db, name="城关镇人民政府", phone="0771-1234567", head_name="李镇长")
    zone = make_unit(db, name="高新技术产业园区", kind=UnitKind.zone)
    db.commit()
    return {"coordinator": coordinator, "town": town, "zone": zone, "bureau": bureau}


def signed_in(client, user) -> None:
    client.cookies.clear()
    assert login(client, user.username, PASSWORD).status_code == 303


def test_a_renamed_and_moved_project_shows_its_changes_in_words(client, db, world):
    project = make_project(db, world["town"], name="旧名称食品加工项目")
    db.commit()
    acting_as(db, world["coordinator"])
    project.name = "新名称食品加工项目"
    project.responsible_unit_id = world["zone"].id
    project.planned_investment = Decimal("12500")
    db.commit()

    signed_in(client, world["coordinator"])
    page = client.get(f"/projects/{project.id}").text
    text = html.unescape(re.sub(r"<[^>]+>", " ", page[page.index("信息修改") :]))
    assert re.search(r"项目名称：\s*旧名称食品加工项目\s*→\s*新名称食品加工项目", text)
    assert re.search(r"责任单位：\s*城关镇人民政府\s*→\s*高新技术产业园区", text)
    assert re.search(r"计划总投资（万元）：\s*800\.00\s*→\s*12,500\.00", text)
    assert "responsible_unit_id" not in page and "planned_investment" not in page


def test_a_judged_lead_shows_status_and_judge_by_their_labels(client, db, world):
    lead = make_lead(
        db, world["town"], status=LeadStatus.pending, contact_phone="13800001111", contact_phone_key="13800001111"
    )
    db.commit()
    principal = acting_as(db, world["coordinator"])
    leads.judge(db, principal, lead.id, LeadJudge(version=lead.version, status=LeadStatus.valid, reason="情况属实"))
    db.commit()

    signed_in(client, world["coordinator"])
    text = section(client.get(f"/leads/{lead.id}").text, "修改记录")
    assert re.search(rf"状态：\s*{LeadStatus.pending.label}\s*→\s*{LeadStatus.valid.label}", text)
    assert re.search(r"认定人：\s*王统筹", text) and "认定理由：" in text
    assert "联系电话：" in text  # the creation, in words
    assert "_key" not in text and "_id" not in text
    assert internal_words(text) == []


def test_an_award_proposed_then_rejected_shows_its_basis_and_status_in_words(client, db, world):
    project = make_project(db, world["town"], stage=Stage.started, reached=TODAY - timedelta(days=60))
    principal = acting_as(db, world["coordinator"])
    confirmed_funds(db, project, principal, "2000", TODAY - timedelta(days=10))
    policy = make_policy(db, PolicyKind.per_funds, {"yuan_per_10k": "500"}, name="到位资金奖励", recipients=["unit"])
    make_budget(db, TODAY.year, 1000000)
    db.commit()
    [award] = awards.propose(db, principal, policy_id=policy.id, project_id=project.id)
    db.commit()
    awards.reject(db, principal, award.id, award.version, "材料不全")
    db.commit()

    signed_in(client, world["coordinator"])
    text = section(client.get(f"/awards/{award.id}").text, "修改记录")
    assert re.search(rf"状态：\s*{AwardStatus.proposed.label}\s*→\s*{AwardStatus.rejected.label}", text)
    assert re.search(r"已确认到位资金（万元）：\s*2,000\.00", text)  # the basis, as labelled lines
    assert "每万元奖励（元）：" in text
    assert re.search(r"获奖单位：\s*城关镇人民政府", text) and re.search(r"申报单位：\s*县招商局", text)
    assert "{" not in text and "'" not in text
    assert internal_words(text) == []


def test_a_units_contact_change_shows_in_words_on_its_page_and_on_the_audit_page(client, db, world):
    town = world["town"]
    acting_as(db, world["coordinator"])
    town.phone = "0771-7654321"
    town.head_name = "赵镇长"
    town.parent_id = world["bureau"].id
    db.commit()

    signed_in(client, world["coordinator"])
    text = section(client.get(f"/admin/units/{town.id}").text, "修改记录")
    assert re.search(r"联系电话：\s*0771-1234567\s*→\s*0771-7654321", text)
    assert re.search(r"负责人：\s*李镇长\s*→\s*赵镇长", text)
    assert re.search(r"上级单位：\s*县招商局", text)
    assert internal_words(text) == []

    page = client.get("/audit", params={"entity": "unit", "entity_id": str(town.id)}).text
    assert 'title="unit.phone"' in page  # the recorded column, on demand
    content = html.unescape(re.sub(r"<[^>]+>", " ", page[page.index("<tbody>") : page.index("</tbody>")]))
    assert re.search(r"联系电话\s*：\s*0771-1234567\s*→\s*0771-7654321", content)
    assert re.search(r"上级单位\s*：\s*县招商局", content)
    assert "parent_id" not in content and "version" not in content and "updated_at" not in content


def test_every_shown_column_of_every_audited_model_has_a_label():
    missing = []
    unlabelled_choices = []
    for mapper in Base.registry.mappers:
        table = getattr(mapper.class_, "__tablename__", None)
        if not getattr(mapper.class_, "__audited__", False) or table is None:
            continue
        for key in history.shown_fields(table):
            if not labels.label(table, key):
                missing.append(f"{table}.{key}")
            kind = Base.metadata.tables[table].c[key].type
            if (
                isinstance(kind, Enum)
                and kind.enum_class is not None
                and not hasattr(kind.enum_class, "label")
                and f"{table}.{key}" not in labels.VALUES
            ):
                unlabelled_choices.append(f"{table}.{key}")
    assert not missing, f"columns without a Chinese label (app/models/labels.py): {missing}"
    assert not unlabelled_choices, f"choices without Chinese labels: {unlabelled_choices}"
    for table in ("investor", "lead", "user_account", "attachment"):
        shown = history.shown_fields(table)
        assert not [k for k in shown if k.endswith("_key") or k in ("version", "created_at", "sha256", "password_hash")]


def test_a_long_history_is_read_with_one_statement_per_referenced_table(db, connection, world):
    project = make_project(db, world["town"])
    db.commit()
    principal = acting_as(db, world["coordinator"])

    def statements() -> int:
        with counting(connection) as seen:
            entries = history.of(db, principal, "project", project.id)
        assert entries
        return len(seen)

    units = [world["town"], world["zone"], world["bureau"]]
    for i in range(2):
        project.responsible_unit_id = units[i % 3].id
        db.commit()
    few = statements()
    for i in range(2, 30):
        project.responsible_unit_id = units[i % 3].id
        project.linked_leader_id = world["coordinator"].id if i % 2 else None
        db.commit()
    assert statements() <= few + 1  # one more table referred to (the leader's name), not one per entry
