"""Alembic migrations of the manager's database (PostgreSQL and SQLite alike).

Applied by ``services.manager.store.migrate`` (on start) and ``python -m
services.manager.migrate`` (``make migrate``); Alembic is configured in code, no ini file.
"""
