"""The embedded default: node, manager and registry in one process (``make run``)."""
