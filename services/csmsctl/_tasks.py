"""csmsctl tasks: the task history, every command sent to a charger (TaskService)."""

from __future__ import annotations

import argparse

from csms.v1 import common_pb2, tasks_pb2, tasks_pb2_grpc

from services.csmsctl._admin import _positive_int
from services.csmsctl._base import EXIT_OK, Context, _manager, _manager_pages, fmt_time, table

TASK_PAGE_SIZE = 200


def _state_name(state: int) -> str:
    return common_pb2.TaskState.Name(state).removeprefix("TASK_STATE_").lower()


def _task_state(text: str) -> int:
    name = "TASK_STATE_" + text.upper()
    names = list(common_pb2.TaskState.keys())
    if name not in names:
        states = [n.removeprefix("TASK_STATE_").lower() for n in names[1:]]
        raise argparse.ArgumentTypeError(f"{text!r} is not a task state: {', '.join(states)}")
    return int(common_pb2.TaskState.Value(name))


def cmd_tasks(ctx: Context) -> int:
    """The task history, newest first: up to --limit tasks, following the pages."""
    args = ctx.args
    request = tasks_pb2.ListTasksRequest(
        charger_id=args.charger or "",
        state=args.state or 0,  # type: ignore[arg-type]
        action=args.action or "",
        bulk_id=args.bulk or "",
    )
    stub = tasks_pb2_grpc.TaskServiceStub(ctx.channel(args.manager))
    merged = tasks_pb2.ListTasksResponse()
    _manager_pages(
        ctx, stub.ListTasks, request, merged, "tasks", limit=args.limit, page_size=TASK_PAGE_SIZE
    )
    if args.json:
        ctx.emit_json(merged)
        return EXIT_OK
    rows = [
        [
            t.task_id,
            fmt_time(t.created_at),
            t.charger_id,
            t.action,
            _state_name(t.state),
            t.error_code or "-",
            t.requested_by or "-",
        ]
        for t in merged.tasks
    ]
    headers = ["TASK", "CREATED", "CHARGER", "ACTION", "STATE", "ERROR", "BY"]
    ctx.print(table(headers, rows))
    if merged.next_page_token:
        ctx.err.write(f"(more: raise --limit above {args.limit}, or narrow the filters)\n")
    return EXIT_OK


def _show_task(ctx: Context, task: tasks_pb2.Task) -> int:
    if ctx.args.json:
        ctx.emit_json(task)
        return EXIT_OK
    rows = [
        ["task", task.task_id],
        ["charger", task.charger_id],
        ["action", task.action],
        ["state", _state_name(task.state)],
        ["requested by", task.requested_by or "-"],
        ["request id", task.request_id or "-"],
        ["bulk", task.bulk_id or "-"],
        ["created", fmt_time(task.created_at)],
        ["sent", fmt_time(task.sent_at, present=task.HasField("sent_at"))],
        ["finished", fmt_time(task.finished_at, present=task.HasField("finished_at"))],
        ["deliver by", fmt_time(task.deliver_by, present=task.HasField("deliver_by"))],
        ["payload", task.payload_json],
        ["answer", task.answer_json or "-"],
        ["error", f"{task.error_code} {task.error_description}".strip() or "-"],
    ]
    ctx.print(table(["FIELD", "VALUE"], rows))
    return EXIT_OK


def cmd_task_show(ctx: Context) -> int:
    stub = tasks_pb2_grpc.TaskServiceStub(ctx.channel(ctx.args.manager))
    task: tasks_pb2.Task = _manager(
        ctx, stub.GetTask, tasks_pb2.GetTaskRequest(task_id=ctx.args.task_id)
    )
    return _show_task(ctx, task)


def cmd_task_cancel(ctx: Context) -> int:
    stub = tasks_pb2_grpc.TaskServiceStub(ctx.channel(ctx.args.manager))
    task: tasks_pb2.Task = _manager(
        ctx, stub.CancelTask, tasks_pb2.CancelTaskRequest(task_id=ctx.args.task_id)
    )
    return _show_task(ctx, task)


def add_tasks_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], leaf: argparse.ArgumentParser
) -> None:
    """``csmsctl tasks [ls|show ID|cancel ID]``: the task history."""
    help = "the task history: every command sent to a charger"
    p = sub.add_parser("tasks", help=help, description=help, parents=[leaf])
    p.set_defaults(func=cmd_tasks)
    verbs = p.add_subparsers(dest="verb", metavar="VERB")

    def filters(q: argparse.ArgumentParser) -> None:
        q.set_defaults(func=cmd_tasks)
        q.add_argument("--charger", metavar="ID", help="only this charger's tasks")
        q.add_argument("--state", type=_task_state, metavar="STATE", help="e.g. queued, answered")
        q.add_argument("--action", metavar="ACTION", help='the OCPP action, e.g. "Reset"')
        q.add_argument("--bulk", metavar="BULK_ID", help="only this bulk task's tasks")
        q.add_argument(
            "--limit", type=_positive_int, default=50, metavar="N", help="at most N (default 50)"
        )

    filters(p)
    filters(verbs.add_parser("ls", help="list tasks, newest first", parents=[leaf]))
    q = verbs.add_parser("show", help="one task: payload, answer, timings", parents=[leaf])
    q.set_defaults(func=cmd_task_show)
    q.add_argument("task_id", metavar="TASK_ID")
    q = verbs.add_parser("cancel", help="withdraw a queued task", parents=[leaf])
    q.set_defaults(func=cmd_task_cancel)
    q.add_argument("task_id", metavar="TASK_ID")
