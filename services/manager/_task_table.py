"""The shape of a task table: what one OCPP version's CSMS→charger actions are made of.

Each version has ONE table, ``TASKS`` in ``v16/tasks.py`` and ``v201/tasks.py`` (2.1:
``TASKS_21`` there), mirroring the charger→CSMS ``router.py`` beside it: for every action
the CSMS sends, the API method that sends it, the ``commands/`` function that builds it
from the API request, and what the charger's answer changes in the CSMS (its result
handler). ``TaskResults`` (``_task_results.py``) applies the handlers, for the typed RPCs
and ``SendCall`` alike, so a raw call records what the typed command would.

A result handler reads only the payload sent and the answer (both schema-valid: the node
checked them), never the API request, which a raw call does not have.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.common import OcppVersion
from services.manager._context import Clock
from services.manager._stores import Stores


@dataclass(frozen=True, slots=True)
class SentTask:
    """A task as sent: to whom, in which OCPP version, what, and when."""

    charger_id: str
    version: OcppVersion
    action: str
    payload: dict[str, Any]
    sent_at: datetime


@dataclass(frozen=True, slots=True)
class ResultContext:
    """What result handlers write through, and the time they record."""

    stores: Stores
    clock: Clock


#: What the charger's answer changes (the answer is the parsed result payload).
ResultHandler = Callable[[ResultContext, SentTask, dict[str, Any]], Awaitable[None]]
#: What must be recorded before sending (the charger may report before it answers).
BeforeHandler = Callable[[ResultContext, SentTask], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class TaskRoute:
    """One CSMS→charger action of one OCPP version."""

    #: The API method(s) that send it ("SendCall only" when no typed method does).
    sent_by: str
    #: The ``commands/`` function building it from the API request (None: raw calls only).
    build: Callable[..., Any] | None = None
    #: What the answer changes in the CSMS (None: nothing is recorded).
    result: ResultHandler | None = None
    #: What is recorded before the task is sent.
    before: BeforeHandler | None = None
    #: Why a raw ``SendCall`` of this action records nothing although ``sent_by`` does
    #: ("" when a raw call records exactly what the typed method records).
    unrecorded: str = ""


#: action -> route, for one OCPP version.
TaskTable = Mapping[str, TaskRoute]
