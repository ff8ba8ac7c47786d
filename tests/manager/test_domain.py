"""The pure domain rules (services/manager/domain): plain values and datetimes, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.manager import domain

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Tag:
    status: str = "Accepted"
    expiry_date: datetime | None = None
    parent_id_tag: str = ""
    max_active_transactions: int = 0


def test_a_tag_expires_at_its_expiry_date() -> None:
    """An Accepted tag is Expired from its expiry date on, Accepted until then."""
    tag = Tag(expiry_date=NOW)
    assert domain.tag_status(tag, None, NOW - timedelta(microseconds=1)) == "Accepted"
    assert domain.tag_status(tag, None, NOW) == "Expired"


def test_a_stored_refusal_wins_over_expiry_and_parent() -> None:
    """A Blocked tag is Blocked whatever its expiry or its parent says."""
    tag = Tag(status="Blocked", expiry_date=NOW - timedelta(days=1), parent_id_tag="G")
    assert domain.tag_status(tag, Tag(), NOW) == "Blocked"


def test_a_child_takes_its_parents_refusal() -> None:
    """An Accepted child of a Blocked or expired group is refused with the group's status;
    of an unknown group, Invalid; of an Accepted group, Accepted."""
    child = Tag(parent_id_tag="G")
    assert domain.tag_status(child, Tag(status="Blocked"), NOW) == "Blocked"
    assert domain.tag_status(child, Tag(expiry_date=NOW), NOW) == "Expired"
    assert domain.tag_status(child, None, NOW) == domain.UNKNOWN_PARENT_STATUS == "Invalid"
    assert domain.tag_status(child, Tag(), NOW) == "Accepted"


def test_expiry_compares_instants_not_wall_clocks() -> None:
    """An expiry given in another zone is compared as the same instant."""
    tag = Tag(expiry_date=datetime(2026, 12, 3, 13, 0, tzinfo=timezone(timedelta(hours=2))))
    assert domain.tag_status(tag, None, NOW) == "Expired"  # 11:00 UTC


def test_concurrency_counts_only_accepted_tags_with_a_limit() -> None:
    """ConcurrentTx once the active transactions reach the limit; no limit, no check."""
    limited = Tag(max_active_transactions=2)
    assert domain.limits_concurrency(limited, "Accepted")
    assert not domain.limits_concurrency(limited, "Blocked")
    assert not domain.limits_concurrency(Tag(), "Accepted")
    assert domain.starting_status(limited, "Accepted", 1) == "Accepted"
    assert domain.starting_status(limited, "Accepted", 2) == "ConcurrentTx"
    assert domain.starting_status(limited, "Expired", 5) == "Expired"
    assert domain.starting_status(Tag(), "Accepted", 100) == "Accepted"


def test_refusal_names_the_tag_that_decides() -> None:
    """A tag refused on its own is named alone; one refused for its group names the group."""
    assert domain.refusal("T", Tag(), "Accepted", NOW) is None
    assert domain.refusal("T", Tag(status="Blocked"), "Blocked", NOW) == (
        "id tag 'T' is Blocked in this CSMS"
    )
    child = Tag(parent_id_tag="G")
    assert domain.refusal("T", child, "Invalid", NOW) == (
        "id tag 'T' is Invalid in this CSMS because its group (parent) tag 'G' is not known"
    )
    assert domain.refusal("T", child, "Expired", NOW) == (
        "id tag 'T' is Expired in this CSMS because its group (parent) tag 'G' is Expired"
    )


def test_parent_loops_are_refused_with_the_loop_named() -> None:
    """A parent that leads back to the tag is a loop; a chain that is fine is allowed."""
    parents = {"B": "C", "C": "A"}
    assert domain.parent_loop("A", "B", parents) == (
        "id tag 'A' cannot have parent 'B': the parents would go round in a loop "
        "(A -> B -> C -> A); change one of these tags' parent first"
    )
    assert domain.parent_loop("X", "B", parents) is None
    assert domain.parent_loop("A", "A", {}) == "id tag 'A' cannot be its own parent"


def test_a_loop_above_the_parent_or_a_chain_too_deep_is_refused() -> None:
    """A parent whose own chain loops, or is deeper than MAX_PARENT_DEPTH, cannot be one."""
    reason = domain.parent_loop("X", "B", {"B": "C", "C": "B"})
    assert reason is not None
    assert "its own parents go round in a loop" in reason
    chain = {f"T{i}": f"T{i + 1}" for i in range(domain.MAX_PARENT_DEPTH + 1)}
    assert domain.parent_loop("X", "T0", chain) is not None
    short = {f"T{i}": f"T{i + 1}" for i in range(domain.MAX_PARENT_DEPTH - 3)}
    assert domain.parent_loop("X", "T0", short) is None


@pytest.mark.parametrize(
    ("measurand", "phase", "unit", "value", "wh"),
    [
        ("Energy.Active.Import.Register", "", "Wh", "1500", 1500.0),
        ("Energy.Active.Import.Register", "", "kWh", "1.5", 1500.0),
        ("Energy.Active.Import.Register", "L1", "Wh", "1500", None),
        ("Energy.Active.Export.Register", "", "Wh", "1500", None),
        ("Energy.Active.Import.Register", "", "W", "1500", None),
        ("Energy.Active.Import.Register", "", "Wh", "nan", None),
        ("Energy.Active.Import.Register", "", "Wh", "inf", None),
        ("Energy.Active.Import.Register", "", "Wh", "lots", None),
    ],
)
def test_only_total_import_register_readings_count(
    measurand: str, phase: str, unit: str, value: str, wh: float | None
) -> None:
    """A reading counts as energy only for the total import register in Wh or kWh."""
    assert domain.register_wh(measurand, phase, unit, value) == wh


def test_delivered_energy() -> None:
    """Final from meterStop once stopped, from the latest reading before, 0 without one."""
    assert domain.delivered_wh(1000, 3000, 2500.0) == 2000.0
    assert domain.delivered_wh(1000, None, 2500.0) == 1500.0
    assert domain.delivered_wh(1000, None, None) == 0.0


def test_start_keys_are_the_same_for_a_retry_in_any_zone() -> None:
    """A retried StartTransaction keys the same even with its time in another zone; 1.6
    and 2.0.1 keys never collide."""
    here = domain.start_key("CP", 1, "T", NOW, 0)
    there = domain.start_key("CP", 1, "T", NOW.astimezone(timezone(timedelta(hours=-5))), 0)
    assert here == there
    assert domain.start_key("CP", 1, "T", NOW, 1) != here
    assert domain.event_start_key("CP", "1") != domain.start_key("CP", 1, "", NOW, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        domain.start_key("CP", 1, "T", NOW.replace(tzinfo=None), 0)


def test_event_digest_ignores_member_order() -> None:
    """The same TransactionEvent with its members in another order digests the same."""
    a = domain.event_digest({"seqNo": 1, "eventType": "Started", "x": {"a": 1, "b": 2}})
    b = domain.event_digest({"x": {"b": 2, "a": 1}, "eventType": "Started", "seqNo": 1})
    assert a == b
    assert len(a) == 32
    assert domain.event_digest({"seqNo": 2, "eventType": "Started"}) != a
