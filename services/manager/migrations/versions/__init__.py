"""Alembic revisions, one per schema change, named ``NNNN_what_changes.py``."""
