"""Apply the manager's database migrations: ``python -m services.manager.migrate``.

``make migrate`` runs it against ``$DATABASE_URL`` (``postgresql+asyncpg://...`` or
``sqlite+aiosqlite:///path``). The manager also migrates on start, so this is for
deployments that migrate as a separate step, and for writing new revisions::

    python -m services.manager.migrate                      # upgrade to head
    python -m services.manager.migrate upgrade 0001         # upgrade to a revision
    python -m services.manager.migrate current              # show the applied revision
    python -m services.manager.migrate revision -m "add transactions" --autogenerate
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from alembic import command
from sqlalchemy import Connection

from services.manager.store import StoreUnavailable, create_engine, migrate
from services.manager.store._engine import alembic_config

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m services.manager.migrate",
        description="Apply or inspect the manager's database migrations.",
    )
    parser.add_argument(
        "--url",
        default=os.environ.get("DATABASE_URL", ""),
        help="database URL (default: $DATABASE_URL)",
    )
    commands = parser.add_subparsers(dest="command")
    upgrade = commands.add_parser("upgrade", help="upgrade to a revision (default: head)")
    upgrade.add_argument("revision", nargs="?", default="head")
    commands.add_parser("current", help="print the revision the database is at")
    revision = commands.add_parser("revision", help="write a new revision file")
    revision.add_argument("-m", "--message", required=True)
    revision.add_argument(
        "--autogenerate", action="store_true", help="diff the models against the database"
    )
    return parser


async def _run(args: argparse.Namespace) -> None:
    engine = create_engine(args.url)
    try:
        if args.command in (None, "upgrade"):
            await migrate(engine, getattr(args, "revision", "head"))
            return

        def run(connection: Connection) -> None:
            config = alembic_config(connection)
            if args.command == "current":
                command.current(config, verbose=True)
            else:
                command.revision(config, message=args.message, autogenerate=args.autogenerate)

        async with engine.begin() as connection:
            await connection.run_sync(run)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    args = _parser().parse_args(argv)
    if not args.url:
        print("set DATABASE_URL or pass --url", file=sys.stderr)
        return 2
    try:
        asyncio.run(_run(args))
    except StoreUnavailable as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
