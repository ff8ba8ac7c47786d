"""The results of a run as a summary table (ours ÷ baseline, ours ÷ limit, targets) in
markdown, and the plot of throughput and p99 against charger count."""

from __future__ import annotations

from pathlib import Path
from typing import Any

Row = dict[str, Any]


def _find(data: dict[str, Any], system: str, label: str) -> dict[str, Any] | None:
    for point in data["points"]:
        if point["system"] == system and point["label"] == label:
            return dict(point)
    return None


def _storm(data: dict[str, Any], system: str) -> dict[str, Any] | None:
    return next((s for s in data["storms"] if s["system"] == system), None)


def _get(point: dict[str, Any] | None, key: str) -> float | None:
    if point is None:
        return None
    value = point
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None  # type: ignore[assignment]
    return value if isinstance(value, int | float) else None


def _hb_label(data: dict[str, Any], system: str, n: int) -> str:
    big = data["meta"]["profile"]["big"]
    return "big" if system == "mesh" and n == big else f"hb{n}"


def summarise(data: dict[str, Any]) -> list[Row]:
    """One row per reported figure: ours, baseline, limit, the target and whether it is met."""
    rows: list[Row] = []
    big = data["meta"]["profile"]["big"]

    def row(
        scenario: str,
        figure: str,
        unit: str,
        ours: float | None,
        baseline: float | None = None,
        limit: float | None = None,
        target: str = "",
        met: bool | None = None,
    ) -> None:
        rows.append(
            {
                "scenario": scenario,
                "figure": figure,
                "unit": unit,
                "ours": ours,
                "baseline": baseline,
                "limit": limit,
                "vs_baseline": round(ours / baseline, 2) if ours and baseline else None,
                "vs_limit": round(ours / limit, 3) if ours and limit else None,
                "target": target,
                "met": met,
            }
        )

    def trio(label: str, key: str) -> tuple[float | None, float | None, float | None]:
        return tuple(  # type: ignore[return-value]
            _get(_find(data, s, label), key) for s in ("mesh", "baseline", "limit")
        )

    ours, base, lim = trio("hb1000", "rt_per_s")
    met = None if ours is None else ours >= 10_000 and base is not None and ours >= 5 * base
    row("(1) heartbeat, 1,000 chargers, node + manager", "round trips/s", "/s", ours, base, lim,
        "≥ 10,000/s and ≥ 5x baseline", met)  # fmt: skip
    ours, base, lim = trio("hb1000", "p99_ms")
    row("(1)", "charger round trip p99", "ms", ours, base, lim, "≤ 200 ms",
        None if ours is None else ours <= 200)  # fmt: skip
    ours, base, lim = trio("hb1000", "p50_ms")
    row("(1)", "charger round trip p50", "ms", ours, base, lim)
    ours, base, lim = trio("hb201", "rt_per_s")
    row("(1) OCPP 2.0.1", "round trips/s", "/s", ours, base, lim)
    ours, base, lim = trio("status", "rt_per_s")
    row("status mix, 1,000 chargers", "round trips/s", "/s", ours, base, lim)
    emb = _get(_find(data, "embedded", "hb1000"), "rt_per_s")
    _, base, lim = trio("hb1000", "rt_per_s")
    row("(2) heartbeat, 1,000 chargers, embedded", "round trips/s", "/s", emb, base, lim)
    emb = _get(_find(data, "embedded", "hb1000"), "p99_ms")
    _, base, lim = trio("hb1000", "p99_ms")
    row("(2)", "charger round trip p99", "ms", emb, base, lim)
    ours, base, lim = trio("session", "rt_per_s")
    row("(3) charging-session mix, 1,000 chargers", "round trips/s", "/s", ours, base, lim)
    ours, base, lim = trio("session", "p99_ms")
    row("(3)", "charger round trip p99", "ms", ours, base, lim)

    compare_n = max(data["meta"]["profile"]["compare_scaling"])
    big_point = _find(data, "mesh", "big")
    ours = _get(big_point, "idle_kib_per_charger")
    base = _get(_find(data, "baseline", f"hb{compare_n}"), "idle_kib_per_charger")
    lim = _get(_find(data, "limit", f"hb{compare_n}"), "idle_kib_per_charger")
    row(f"(4) idle memory, {big:,} chargers (baseline, limit: {compare_n:,})",
        "node RSS per charger", "KiB", ours, base, lim,
        "≤ 20 KiB", None if ours is None else ours <= 20)  # fmt: skip
    held = _get(big_point, "connect.connected")
    row("(4)", "chargers held by one node", "", held, None, None, "10,000",
        None if held is None or big < 10_000 else held >= 10_000)  # fmt: skip

    storm, bstorm, lstorm = (_storm(data, s) for s in ("mesh", "baseline", "limit"))
    n_storm = data["meta"]["profile"]["storm"]
    booted = _get(storm, "all_booted_s")
    row(f"(5) storm, {n_storm:,} chargers at once", "all booted", "s", booted,
        _get(bstorm, "all_booted_s"), _get(lstorm, "all_booted_s"))  # fmt: skip
    registered = _get(storm, "all_registered_s")
    row("(5)", "all booted and registered", "s", registered, None, None,
        "≤ 15 s for 10,000" + ("" if n_storm >= 10_000 else " (full run)"),
        None if storm is None or n_storm < 10_000
        else registered is not None and registered <= 15)  # fmt: skip
    if storm is not None and registered:
        row("(5)", "booted and registered per second", "/s", round(n_storm / registered, 1),
            None, None, "≥ 667/s (10,000 in 15 s)", n_storm / registered >= 10_000 / 15)  # fmt: skip

    hb1000 = _find(data, "mesh", "hb1000") or {}
    commands = hb1000.get("commands")
    for q in ("p50", "p99"):
        value = _get(commands, f"{q}_ms")
        row("(6) Reset under (1), Envoy JSON API", f"command {q}", "ms",
            value, None, None, "≤ 25 ms" if q == "p99" else "",
            (value is not None and value <= 25) if q == "p99" and commands else None)  # fmt: skip
    direct = hb1000.get("commands_grpc")
    for q in ("p50", "p99"):
        value = _get(direct, f"{q}_ms")
        if value is not None:
            row("(6) the same Reset, manager gRPC directly", f"command {q}", "ms",
                value, None, None, "", None)  # fmt: skip

    journaled = _get(_find(data, "mesh", "hb1000"), "rt_per_s")
    bare = _get(_find(data, "mesh", "hb1000-nojournal"), "rt_per_s")
    if bare is not None:
        row("(8) heartbeat, 1,000 chargers, without the journal", "round trips/s", "/s", bare)
        kept = round(journaled / bare, 3) if journaled else None
        row("(8) with the journal ÷ without", "kept", "x", kept, None, None, "≥ 0.90",
            None if kept is None else kept >= 0.90)  # fmt: skip
    journal = (_find(data, "mesh", "hb1000") or {}).get("journal")
    if journal is not None:
        row("(8) exchanges journaled during (1)", "written", "", journal["written"])
        row("(8)", "journal drops during (1)", "", journal["dropped"], None, None, "0",
            journal["dropped"] == 0)  # fmt: skip

    scaling = data["meta"]["profile"]["scaling"]
    for n in scaling:
        ours = _get(_find(data, "mesh", _hb_label(data, "mesh", n)), "rt_per_s")
        base = _get(_find(data, "baseline", f"hb{n}"), "rt_per_s")
        lim = _get(_find(data, "limit", f"hb{n}"), "rt_per_s")
        row(f"(7) heartbeat, {n:,} chargers", "round trips/s", "/s", ours, base, lim)
    low = _get(_find(data, "mesh", _hb_label(data, "mesh", min(scaling))), "rt_per_s")
    high = _get(_find(data, "mesh", _hb_label(data, "mesh", max(scaling))), "rt_per_s")
    kept = round(high / low, 3) if low and high else None
    bl = _get(_find(data, "baseline", f"hb{min(scaling)}"), "rt_per_s")
    bh = _get(_find(data, "baseline", f"hb{max(scaling)}"), "rt_per_s")
    ll = _get(_find(data, "limit", f"hb{min(scaling)}"), "rt_per_s")
    lh = _get(_find(data, "limit", f"hb{max(scaling)}"), "rt_per_s")
    row(f"(7) throughput at {max(scaling):,} ÷ at {min(scaling):,}", "kept", "x", kept,
        round(bh / bl, 3) if bl and bh else None, round(lh / ll, 3) if ll and lh else None,
        "≥ 0.85", None if kept is None else kept >= 0.85)  # fmt: skip
    return rows


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit == "/s" or (isinstance(value, int | float) and abs(value) >= 1000):
        return f"{value:,.0f}"
    if unit == "x":
        return f"{value:.2f}"
    return f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"


def markdown(data: dict[str, Any]) -> str:
    """The summary table, then every measured point."""
    meta = data["meta"]
    m = meta["machine"]
    lines = [
        f"Run {meta['date']}, commit `{meta['commit']}`{' (dirty)' if meta['dirty'] else ''}, "
        f"`{meta['command']}` ({meta['profile']['duration']:g} s per point, "
        f"{meta['client_processes']} load processes on the same machine, "
        f"{meta['wall_seconds']:.0f} s in all). Machine: {m['nproc']} cores {m['cpu_model']}, "
        f"{m['memory_gib']} GiB, Linux {m['kernel']}, Python {m['python']}; load average "
        f"{m.get('load_average_1min_before', 0):.1f} before, "
        f"{m.get('load_average_1min_after', 0):.1f} after (other work on the machine skews "
        "every figure).",
        "",
        "Ratios are ours ÷ theirs: for throughput higher is better; for latency, memory "
        "and time lower is better. Baseline = the canonical `ocpp`-library CSMS "
        "(`bench/baseline_ocpp_lib.py`); limit = a bare OCPP-J answering server "
        "(`bench/limit_server.py`).",
        "",
        "| scenario | figure | ours | baseline | limit | ours ÷ baseline | ours ÷ limit | target | met |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for r in data["summary"]:
        unit = r["unit"]
        suffix = f" {unit}" if unit in ("ms", "s", "KiB") else ""
        met = {True: "met", False: "**missed**", None: ""}[r["met"]]
        lines.append(
            f"| {r['scenario']} | {r['figure']} | {_fmt(r['ours'], unit)}{suffix if r['ours'] is not None else ''} "
            f"| {_fmt(r['baseline'], unit)} | {_fmt(r['limit'], unit)} "
            f"| {_fmt(r['vs_baseline'], 'x')} | {_fmt(r['vs_limit'], 'x')} | {r['target']} | {met} |"
        )
    lines += [
        "",
        "Every measured point (heartbeat unless named; latency in ms; CPU % of one core "
        "over the measured window):",
        "",
        "| system | point | OCPP | mix | chargers | rt/s | p50 | p90 | p99 | max | errors | "
        "timeouts | connects/s | idle KiB/charger | system CPU % | load CPU % |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for p in data["points"]:
        cpu = ", ".join(f"{k} {v:.0f}" for k, v in p["sut_cpu_percent"].items())
        lines.append(
            f"| {p['system']} | {p['label']} | {p['protocol'].removeprefix('ocpp')} | {p['mix']} "
            f"| {p['chargers']:,} | {p['rt_per_s']:,.0f} | {p['p50_ms']:.1f} | {p['p90_ms']:.1f} "
            f"| {p['p99_ms']:.1f} | {p['max_ms']:.0f} | {p['errors']} | {p['timeouts']} "
            f"| {p['connect']['per_s']:,.0f} | {p['idle_kib_per_charger']:.1f} | {cpu} "
            f"| {p['client_cpu_percent']:.0f} |"
        )
    for s in data["storms"]:
        lines.append("")
        lines.append(
            f"Storm on {s['system']}: {s['booted']:,} of {s['chargers']:,} booted in "
            f"{s['all_booted_s']} s"
            + (
                f", {s['registered']:,} registered in {s['all_registered_s']} s"
                if s.get("registered") is not None
                else ""
            )
            + f"; {s['attempts_failed']} failed connection attempts {s['failure_reasons'] or ''} "
            f"(retried), connect+boot p50 {s['connect_boot_ms']['p50_ms']:.0f} ms, "
            f"p99 {s['connect_boot_ms']['p99_ms']:.0f} ms."
        )
    return "\n".join(lines) + "\n"


def plot(data: dict[str, Any], path: Path) -> None:
    """Throughput and p99 against charger count (heartbeat, OCPP 1.6), one line per system."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_rt, ax_p99) = plt.subplots(1, 2, figsize=(11, 4.2))
    styles = {"mesh": "o-", "embedded": "s", "baseline": "^--", "limit": "v:"}
    names = {
        "mesh": "node + manager (PostgreSQL, Redis)",
        "embedded": "embedded (SQLite)",
        "baseline": "ocpp-library baseline",
        "limit": "bare OCPP-J limit",
    }
    for system, style in styles.items():
        points = sorted(
            (
                p
                for p in data["points"]
                if p["system"] == system and p["mix"] == "heartbeat" and p["protocol"] == "ocpp1.6"
            ),
            key=lambda p: p["chargers"],
        )
        if not points:
            continue
        xs = [p["chargers"] for p in points]
        ax_rt.plot(xs, [p["rt_per_s"] for p in points], style, label=names[system])
        ax_p99.plot(xs, [p["p99_ms"] for p in points], style, label=names[system])
    for ax, title in ((ax_rt, "round trips/s"), (ax_p99, "p99 round trip (ms)")):
        ax.set_xscale("log")
        ax.set_xlabel("connected chargers (heartbeat back to back)")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
    ax_p99.set_yscale("log")
    ax_rt.legend(fontsize=8)
    meta = data["meta"]
    fig.suptitle(
        f"OCPP CSMS mesh, {meta['date']}, {meta['commit']}, "
        f"{meta['machine']['nproc']} cores, load generator on the same machine",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
