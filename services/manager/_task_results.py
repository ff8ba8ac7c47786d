"""What a charger's answer to a task changes in the CSMS: the result handler of the action
in the charger's OCPP version's task table (``v16/tasks.py``, ``v201/tasks.py``).

The typed ChargerService RPCs and ``SendCall`` (the raw passthrough) send through the same
``TaskResults``, so a raw call records what the typed command would; ``unrecorded`` says
why where it does not (the route's ``unrecorded``)."""

from __future__ import annotations

from typing import Any

from services.common import OcppVersion
from services.manager._context import Clock
from services.manager._stores import Stores
from services.manager._task_table import ResultContext, SentTask, TaskRoute, TaskTable
from services.manager.v16.tasks import TASKS as TASKS_16
from services.manager.v201.tasks import TASKS as TASKS_201
from services.manager.v201.tasks import TASKS_21

#: The task table of each OCPP version.
TABLES: dict[OcppVersion, TaskTable] = {
    OcppVersion.V16: TASKS_16,
    OcppVersion.V201: TASKS_201,
    OcppVersion.V21: TASKS_21,
}

__all__ = ["TABLES", "SentTask", "TaskResults", "route"]


def route(version: OcppVersion, action: str) -> TaskRoute | None:
    """The route of `action` in `version`'s task table; None if the CSMS does not send it."""
    table = TABLES.get(version)
    return table.get(action) if table is not None else None


class TaskResults:
    """Applies the routes' handlers: ``before`` what is recorded before sending, ``after``
    what the answer changes."""

    def __init__(self, stores: Stores, clock: Clock) -> None:
        self._context = ResultContext(stores, clock)

    def unrecorded(self, action: str, version: OcppVersion) -> str:
        """Why a raw call of `action` records nothing ("" when it records what the typed
        command would, or when no typed command records anything either)."""
        found = route(version, action)
        return found.unrecorded if found is not None else ""

    async def before(self, task: SentTask) -> None:
        found = route(task.version, task.action)
        if found is not None and found.before is not None:
            await found.before(self._context, task)

    async def after(self, task: SentTask, answer: dict[str, Any]) -> None:
        found = route(task.version, task.action)
        if found is not None and found.result is not None:
            await found.result(self._context, task, answer)
