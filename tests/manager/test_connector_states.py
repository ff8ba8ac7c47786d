"""ConnectorStates alone: when a StatusNotification is a change worth publishing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from csms.v1 import events_pb2

from services.manager._connector_states import ConnectorStates

T0 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def test_a_status_older_than_the_one_held_is_no_change() -> None:
    """A status timestamped before the connector's last one changes nothing (the store keeps
    the newer one), even with other content; a newer repeat is no change either."""
    states = ConnectorStates()
    assert states.changed("CP-1", 1, 1, "Charging", "NoError", "", "", T0)
    assert not states.changed("CP-1", 1, 1, "Available", "NoError", "", "", T0 - timedelta(1))
    assert not states.changed("CP-1", 1, 1, "Charging", "NoError", "", "", T0 + timedelta(1))
    assert states.changed("CP-1", 1, 1, "Available", "NoError", "", "", T0 + timedelta(2))


def test_a_connection_event_forgets_only_that_charger() -> None:
    """After a CONNECTED or DISCONNECTED event of a charger, its next status of each
    connector is a change; other chargers' are not affected."""
    states = ConnectorStates()
    for charger_id in ("CP-1", "CP-2"):
        assert states.changed(charger_id, 1, 1, "Available", "NoError", "", "", T0)
    states.connection_changed(
        events_pb2.Event(kind=events_pb2.Event.KIND_DISCONNECTED, charger_id="CP-1")
    )
    assert len(states) == 1
    assert states.changed("CP-1", 1, 1, "Available", "NoError", "", "", T0)
    assert not states.changed("CP-2", 1, 1, "Available", "NoError", "", "", T0)
