"""The csmsctl argument parser: every command and its options."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any

from services.csmsctl._admin import (
    _ROLE_VALUES,
    add_audit_command,
    cmd_token_create,
    cmd_token_list,
    cmd_token_revoke,
    cmd_whoami,
)
from services.csmsctl._base import (
    DEFAULT_MANAGER,
    DEFAULT_TIMEOUT,
    Context,
    _non_negative_int,
    _positive_float,
    _trigger_choices,
)
from services.csmsctl._chargers import (
    cmd_call,
    cmd_charger,
    cmd_charger_add,
    cmd_charger_approve,
    cmd_charger_edit,
    cmd_charger_restore,
    cmd_charger_retire,
    cmd_chargers,
    cmd_config_get,
    cmd_config_set,
    cmd_registry_ls,
    cmd_registry_nodes,
    cmd_reset,
    cmd_start,
    cmd_stop,
    cmd_trigger,
)
from services.csmsctl._messages import add_messages_command
from services.csmsctl._nodes import add_node_command
from services.csmsctl._records import (
    _tag_status_names,
    cmd_tag_add,
    cmd_tag_block,
    cmd_tag_edit,
    cmd_tag_unblock,
    cmd_tags,
    cmd_transaction,
    cmd_transactions,
)
from services.csmsctl._tasks import add_tasks_command


def _add_password_options(q: argparse.ArgumentParser) -> None:
    group = q.add_mutually_exclusive_group()
    group.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the Basic auth password (16-40 characters) from one line of standard input",
    )
    group.add_argument(
        "--password",
        metavar="P",
        help="the Basic auth password (visible in the shell history: prefer --password-stdin)",
    )


def add_lifecycle_parsers(
    charger: argparse.ArgumentParser, tags: Any, leaf: argparse.ArgumentParser
) -> None:
    """``charger add|edit|retire|restore|approve|show`` and ``tag edit|unblock``."""
    verbs = charger.add_subparsers(dest="charger_command", required=True, metavar="COMMAND")
    q = verbs.add_parser("show", help="one charger's details and connectors", parents=[leaf])
    q.set_defaults(func=cmd_charger)
    q.add_argument("charger_id", metavar="ID")

    q = verbs.add_parser("add", help="add a charger before it connects", parents=[leaf])
    q.set_defaults(func=cmd_charger_add)
    q.add_argument("charger_id", metavar="ID")
    q.add_argument(
        "--profile",
        type=int,
        choices=range(4),
        required=True,
        help="OCPP security profile: 0 none, 1 Basic auth, 2 TLS + Basic auth, 3 mutual TLS",
    )
    _add_password_options(q)
    q.add_argument("--description", metavar="D")
    q.add_argument("--location", metavar="L", help="a location id that exists")
    q.add_argument("--status", help="registration status: accepted (default), pending, rejected")

    q = verbs.add_parser("edit", help="change a charger's configuration", parents=[leaf])
    q.set_defaults(func=cmd_charger_edit)
    q.add_argument("charger_id", metavar="ID")
    q.add_argument("--profile", type=int, choices=range(4), help="OCPP security profile")
    _add_password_options(q)
    q.add_argument(
        "--clear-password", action="store_true", help="remove the password (profiles 0 and 3)"
    )
    q.add_argument("--description", metavar="D")
    q.add_argument("--location", metavar="L", help='a location id; "" for none')
    q.add_argument("--status", help="registration status: accepted, pending, rejected")

    for name, func, text in (
        ("retire", cmd_charger_retire, "retire a charger: close it, refuse it, keep its history"),
        ("restore", cmd_charger_restore, "bring a retired charger back"),
        ("approve", cmd_charger_approve, "accept a pending charger (it is asked to boot again)"),
    ):
        q = verbs.add_parser(name, help=text, description=text, parents=[leaf])
        q.set_defaults(func=func)
        q.add_argument("charger_id", metavar="ID")

    q = tags.add_parser("edit", help="change an id tag", parents=[leaf])
    q.set_defaults(func=cmd_tag_edit)
    q.add_argument("id_tag", metavar="ID_TAG")
    q.add_argument("--status", help=f"one of {', '.join(_tag_status_names())}")
    q.add_argument("--expires", metavar="TIME", help='RFC 3339 expiry time; "" for never')
    q.add_argument("--parent", metavar="ID_TAG", help='group (parent) id tag; "" for none')
    q.add_argument("--max-active", type=_non_negative_int, metavar="N", help="0 = no limit")
    q = tags.add_parser("unblock", help="set a blocked id tag back to Accepted", parents=[leaf])
    q.set_defaults(func=cmd_tag_unblock)
    q.add_argument("id_tag", metavar="ID_TAG")


def build_parser() -> argparse.ArgumentParser:
    env = os.environ
    parser = argparse.ArgumentParser(
        prog="csmsctl",
        description="Operate the CSMS: inspect chargers and the registry, send tasks.",
    )
    parser.add_argument(
        "--manager",
        metavar="HOST:PORT",
        default=env.get("CSMS_MANAGER", DEFAULT_MANAGER),
        help="manager gRPC address (env CSMS_MANAGER; default %(default)s)",
    )
    parser.add_argument(
        "--registry",
        metavar="HOST:PORT",
        default=env.get("CSMS_REGISTRY"),
        help="registry gRPC address (env CSMS_REGISTRY; default: the manager's address). "
        "The standalone registry service needs the mesh secret in env MESH_SECRET",
    )
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_positive_float,
        default=DEFAULT_TIMEOUT,
        help="deadline of each request; tasks wait for the charger (default %(default)s)",
    )
    parser.add_argument(
        "--token",
        default=env.get("CSMS_TOKEN", ""),
        help="API token sent with every call (env CSMS_TOKEN; `make run` prints an admin one)",
    )
    parser.add_argument("--json", action="store_true", help="print the answer as JSON")
    # --json is also accepted after the command; SUPPRESS keeps the global value otherwise.
    leaf = argparse.ArgumentParser(add_help=False)
    leaf.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print the answer as JSON"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[Context], int], help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help, parents=[leaf])
        p.set_defaults(func=func)
        return p

    p = add("chargers", cmd_chargers, "list chargers")
    p.add_argument("--status", help="only chargers with a connector in this status")
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--connected",
        dest="connected",
        action="store_const",
        const=True,
        help="only connected ones",
    )
    group.add_argument(
        "--disconnected",
        dest="connected",
        action="store_const",
        const=False,
        help="only disconnected ones",
    )
    p.add_argument(
        "--page-size", type=_non_negative_int, default=0, metavar="N", help="per request"
    )
    p.add_argument("--page-token", default="", metavar="TOKEN", help="start at this page")
    p.add_argument("--all", action="store_true", help="follow the pages to the end")
    p.add_argument(
        "--retired", action="store_true", help="only retired chargers (hidden otherwise)"
    )

    charger = sub.add_parser(
        "charger", help="show, add, edit, retire, restore or approve a charger (charger ID = show)"
    )

    p = sub.add_parser("registry", help="inspect the registry")
    reg = p.add_subparsers(dest="registry_command", required=True, metavar="COMMAND")
    q = reg.add_parser("ls", help="charger → node", parents=[leaf])
    q.set_defaults(func=cmd_registry_ls)
    q.add_argument("--node", metavar="NODE", help="only chargers held by this node")
    q.add_argument(
        "--page-size", type=_non_negative_int, default=0, metavar="N", help="per request"
    )
    q.add_argument("--page-token", default="", metavar="TOKEN", help="start at this page")
    q.add_argument("--all", action="store_true", help="follow the pages to the end")
    q = reg.add_parser("nodes", help="nodes, their leases and charger counts", parents=[leaf])
    q.set_defaults(func=cmd_registry_nodes)

    p = add("reset", cmd_reset, "reset a charger (soft unless --hard)")
    p.add_argument("charger_id", metavar="ID")
    p.add_argument("--hard", action="store_true", help="hard (1.6) / immediate (2.0.1) reset")
    p.add_argument("--evse", type=_non_negative_int, metavar="N", help="2.0.1: one EVSE only")

    p = add("trigger", cmd_trigger, "ask a charger to send a message")
    p.add_argument("charger_id", metavar="ID")
    p.add_argument("message", metavar="MESSAGE", help=", ".join(_trigger_choices()))
    p.add_argument("--connector", type=_non_negative_int, metavar="N")

    p = sub.add_parser("config", help="read or change a charger's configuration")
    cfg = p.add_subparsers(dest="config_command", required=True, metavar="COMMAND")
    q = cfg.add_parser("get", help="read configuration keys (all when none given)", parents=[leaf])
    q.set_defaults(func=cmd_config_get)
    q.add_argument("charger_id", metavar="ID")
    q.add_argument("keys", metavar="KEY", nargs="*")
    q = cfg.add_parser("set", help="change one configuration key", parents=[leaf])
    q.set_defaults(func=cmd_config_set)
    q.add_argument("charger_id", metavar="ID")
    q.add_argument("key", metavar="KEY")
    q.add_argument("value", metavar="VALUE")

    p = add("start", cmd_start, "start charging (1.6 RemoteStart / 2.0.1 RequestStart)")
    p.add_argument("charger_id", metavar="ID")
    p.add_argument("--tag", required=True, metavar="ID_TAG", help="the id tag to charge for")
    p.add_argument(
        "--connector", type=_non_negative_int, metavar="N", help="1.6 connector / 2.0.1 EVSE"
    )

    p = add("stop", cmd_stop, "stop a transaction (1.6 RemoteStop / 2.0.1 RequestStop)")
    p.add_argument("charger_id", metavar="ID")
    p.add_argument("transaction_id", metavar="TRANSACTION", type=int)

    p = add("transactions", cmd_transactions, "list transactions, newest first")
    p.add_argument("--charger", metavar="ID", help="only this charger's")
    p.add_argument("--tag", metavar="ID_TAG", help="only this id tag's")
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--active", dest="active", action="store_const", const=True, help="only active ones"
    )
    group.add_argument(
        "--finished", dest="active", action="store_const", const=False, help="only finished ones"
    )
    p.add_argument(
        "--page-size", type=_non_negative_int, default=0, metavar="N", help="per request"
    )
    p.add_argument("--page-token", default="", metavar="TOKEN", help="start at this page")
    p.add_argument("--all", action="store_true", help="follow the pages to the end")

    p = add("transaction", cmd_transaction, "one transaction's details")
    p.add_argument("transaction_id", metavar="TRANSACTION", type=int)

    p = add("tags", cmd_tags, "list id tags")
    p.add_argument(
        "--page-size", type=_non_negative_int, default=0, metavar="N", help="per request"
    )
    p.add_argument("--page-token", default="", metavar="TOKEN", help="start at this page")
    p.add_argument("--all", action="store_true", help="follow the pages to the end")

    p = sub.add_parser("tag", help="add, edit, block or unblock an id tag")
    tags = p.add_subparsers(dest="tag_command", required=True, metavar="COMMAND")
    q = tags.add_parser("add", help="add an id tag", parents=[leaf])
    q.set_defaults(func=cmd_tag_add)
    q.add_argument("id_tag", metavar="ID_TAG")
    q.add_argument("--status", default="Accepted", help=f"one of {', '.join(_tag_status_names())}")
    q.add_argument("--parent", metavar="ID_TAG", help="group (parent) id tag")
    q.add_argument(
        "--max-active",
        type=_non_negative_int,
        default=0,
        metavar="N",
        help="concurrent transactions allowed (0 = no limit)",
    )
    q = tags.add_parser("block", help="block an id tag", parents=[leaf])
    q.set_defaults(func=cmd_tag_block)
    q.add_argument("id_tag", metavar="ID_TAG")
    add_lifecycle_parsers(charger, tags, leaf)

    add("whoami", cmd_whoami, "the name and role of the token in use")

    p = sub.add_parser("token", help="API tokens: create, list, revoke (admin)")
    tokens = p.add_subparsers(dest="token_command", required=True, metavar="COMMAND")
    q = tokens.add_parser(
        "create", help="create a token and print its secret (shown once)", parents=[leaf]
    )
    q.set_defaults(func=cmd_token_create)
    q.add_argument("name", metavar="NAME", help="1 to 64 characters, unique among valid tokens")
    q.add_argument("--role", required=True, choices=sorted(_ROLE_VALUES), help="what it may do")
    q = tokens.add_parser("list", help="list tokens (valid ones unless --all)", parents=[leaf])
    q.set_defaults(func=cmd_token_list)
    q.add_argument("--all", action="store_true", help="revoked ones too")
    q = tokens.add_parser("revoke", help="revoke a token: refused from then on", parents=[leaf])
    q.set_defaults(func=cmd_token_revoke)
    q.add_argument("token_id", metavar="ID", help="the token's id (tok_...), see token list")

    p = add("call", cmd_call, "send any OCPP call as JSON and print the result")
    p.add_argument("charger_id", metavar="ID")
    p.add_argument("action", metavar="ACTION", help='e.g. "DataTransfer"')
    p.add_argument("payload", metavar="JSON", help="the payload, a JSON object")

    add_audit_command(sub, leaf)
    add_tasks_command(sub, leaf)
    add_node_command(sub, leaf)
    add_messages_command(sub, leaf)
    return parser
