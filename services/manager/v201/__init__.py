"""OCPP 2.0.1 handlers (also used for 2.1), one module per action family, wired in `router.py`."""
