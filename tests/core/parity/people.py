"""Sections and people, who worked a record, and the office's operations on a supervised task (issue 19):
page form -> the API operation doing the same."""

PARITY: dict[str, str] = {
    "POST /units/{unit_id}/sections": "POST /api/v1/units/{unit_id}/sections",
    "POST /sections/{section_id}/edit": "PUT /api/v1/sections/{section_id}",
    "POST /units/{unit_id}/people": "POST /api/v1/units/{unit_id}/people",
    "POST /people/{cadre_id}/edit": "PUT /api/v1/people/{cadre_id}",
    "POST /units/{unit_id}/people/split": "PUT /api/v1/targets/splits",
    "POST /leads/{lead_id}/people": "PUT /api/v1/leads/{lead_id}/people",
    "POST /projects/{project_id}/people": "PUT /api/v1/projects/{project_id}/people",
    "POST /progress/{update_id}/people": "PUT /api/v1/progress/{update_id}/people",
    "POST /activities/{kind}/{record_id}/people": "PUT /api/v1/activities/{kind}/{record_id}/people",
    # a supervised task: the office's 改派, 调整期限, 撤销
    "POST /tasks/{task_id}/reassign": "POST /api/v1/tasks/{task_id}/reassign",
    "POST /tasks/{task_id}/reschedule": "POST /api/v1/tasks/{task_id}/reschedule",
    "POST /tasks/{task_id}/cancel": "POST /api/v1/tasks/{task_id}/cancel",
}
