"""OCPP 1.6J handlers, one module per action family, wired in `router.py`."""
