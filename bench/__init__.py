"""Benchmark harness (``make bench``): load generator, system-under-test launchers,
the canonical-``ocpp``-library baseline, the bare OCPP-J limit server, and the report.

Nothing here is imported by the test suite or by ``services``.
"""
