"""Task events reach the subscribers that may read the task (the owner unit's, the coordinator's) and read
well in a chat group."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.ticket import OutboxEvent, WebhookDelivery, WebhookSubscription
from app.schemas.events import TaskPayload
from app.services import robots
from tests.tasks.conftest import County
from tests.tasks.test_task_path import assign


def test_a_units_subscription_hears_only_of_its_own_tasks(db: Session, county: County) -> None:
    subs = {
        name: WebhookSubscription(
            name=name, url="https://x.example.gov.cn/h", secret="s" * 32, event_types="task.*", unit_id=unit
        )
        for name, unit in (("town", county.town.id), ("other", county.other.id), ("county", None))
    }
    db.add_all(subs.values())
    db.flush()
    task = assign(db, county)
    heard = {
        name: db.execute(select(WebhookDelivery.id).where(WebhookDelivery.subscription_id == sub.id)).all()
        for name, sub in subs.items()
    }
    assert (len(heard["town"]), len(heard["other"]), len(heard["county"])) == (1, 0, 1)
    event = db.execute(select(OutboxEvent).where(OutboxEvent.event_type == "task.assigned")).scalar_one()
    payload = TaskPayload.model_validate(event.payload)
    assert payload.task_id == task.id and payload.owner_unit.name == county.town.name
    assert payload.link == f"/tasks/{task.id}" and payload.source_label == "会议决定"

    title, lines = robots.describe("task.assigned", event.payload)
    assert title == "招商平台：督办事项已交办"
    assert lines[0] == f"**督办事项**：{task.title}"
    assert "**办结期限**：2026-10-08" in lines
