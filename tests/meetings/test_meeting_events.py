"""meeting.decided and interview.recorded: heard by the bureau's subscribers and by the owner unit's, never by
another unit's; the bureau's payload names no confidential project discussed; a group robot's message reads
each type in Chinese. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.ticket import OutboxEvent, WebhookDelivery
from app.schemas.interviews import InterviewCreate
from app.schemas.meetings import DecisionCreate, MeetingCreate, MeetingHold
from app.services import events, interviews, meetings, notify, robots, workdays
from tests.meetings.conftest import SECRET_NAME, County, as_principal

TODAY = workdays.today()


def heard(db: Session, sub_id: int, event_type: str) -> list[dict]:
    db.expire_all()
    rows = db.execute(
        select(WebhookDelivery, OutboxEvent)
        .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.subscription_id == sub_id, OutboxEvent.event_type == event_type)
    ).all()
    return [d.payload if d.payload is not None else e.payload for d, e in rows]


def test_who_hears_of_a_decision_and_an_interview(db: Session, county: County) -> None:
    coordinator = as_principal(county.coordinator)
    subs = {
        name: notify.add_subscription(db, coordinator, name, "https://example.gov.cn/hooks", "s" * 32, "*", unit).id
        for name, unit in (("bureau", None), ("town", county.town.id), ("other", county.other.id))
    }
    office = as_principal(county.supervisor)
    meeting = meetings.create(
        db, office, MeetingCreate(kind="onsite", title=f"{SECRET_NAME}现场办公会", held_on=TODAY - timedelta(days=1),
                                  project_ids=[county.secret.id])
    )  # fmt: skip
    meetings.hold(db, office, meeting.id, MeetingHold(version=meeting.version))
    content = f"城关镇负责{SECRET_NAME}临时用电接入"
    meetings.add_decision(
        db, office, meeting.id, DecisionCreate(content=content, owner_unit_id=county.town.id, due_days=5)
    )
    interviews.record(
        db, office,
        InterviewCreate(unit_id=county.town.id, held_on=TODAY, interviewer="常务副县长", findings="线索跟进断档"),
    )  # fmt: skip
    db.commit()
    bureau = heard(db, subs["bureau"], "meeting.decided")
    assert len(bureau) == 1 and SECRET_NAME not in str(bureau) and "一号工程" in bureau[0]["content"]
    assert len(heard(db, subs["town"], "meeting.decided")) == 1
    assert heard(db, subs["other"], "meeting.decided") == []
    assert len(heard(db, subs["town"], "interview.recorded")) == 1
    assert heard(db, subs["other"], "interview.recorded") == []
    assert heard(db, subs["bureau"], "interview.recorded")[0]["unit"]["id"] == county.town.id


def test_a_robot_reads_each_new_type_in_chinese() -> None:
    for code in ("meeting.decided", "interview.recorded"):
        kind = events.EVENT_TYPES[code]
        example = kind.model.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
        title, lines = robots.describe(code, example)
        assert kind.label in title and len(lines) >= 3 and all("**" in line for line in lines)
