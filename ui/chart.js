// Line charts of meter values as inline SVG: no library, scales to its container.

const SVG = "http://www.w3.org/2000/svg";

function s(tag, attrs = {}, text = null) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  if (text !== null) el.textContent = text;
  return el;
}

/** Round numbers for axis ticks: about `count` steps of 1, 2 or 5 × 10^n covering [lo, hi]. */
export function niceTicks(lo, hi, count = 4) {
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((st) => st >= raw) ?? 10 * mag;
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const ticks = [];
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toFixed(10)));
  return ticks;
}

function clock(ms) {
  return new Date(ms).toISOString().slice(11, 16);
}

/**
 * An SVG line chart of `points` ([{t: ms, v: number}], oldest first).
 * `label` names the quantity ("Energy"), `unit` its unit ("kWh").
 */
export function lineChart({ label, unit, points, tone = "energy" }) {
  const width = 640;
  const height = 200;
  const pad = { left: 56, right: 16, top: 14, bottom: 28 };
  const svg = s("svg", {
    viewBox: `0 0 ${width} ${height}`,
    class: `chart chart-${tone}`,
    role: "img",
    "aria-label": `${label} over the session, in ${unit}`,
    preserveAspectRatio: "xMidYMid meet",
  });
  svg.append(s("title", {}, `${label} (${unit})`));
  if (points.length === 0) {
    svg.append(
      s("text", { x: width / 2, y: height / 2, "text-anchor": "middle", class: "chart-empty" }, `No ${label.toLowerCase()} readings`),
    );
    return svg;
  }
  const t0 = points[0].t;
  const t1 = Math.max(points[points.length - 1].t, t0 + 60_000);
  const values = points.map((p) => p.v);
  const ticks = niceTicks(Math.min(0, ...values), Math.max(...values));
  const v0 = ticks[0];
  const v1 = ticks[ticks.length - 1] > v0 ? ticks[ticks.length - 1] : v0 + 1;
  const x = (t) => pad.left + ((t - t0) / (t1 - t0)) * (width - pad.left - pad.right);
  const y = (v) => height - pad.bottom - ((v - v0) / (v1 - v0)) * (height - pad.top - pad.bottom);

  const grid = s("g", { class: "chart-grid" });
  for (const tick of ticks) {
    grid.append(s("line", { x1: pad.left, x2: width - pad.right, y1: y(tick), y2: y(tick) }));
    grid.append(
      s("text", { x: pad.left - 6, y: y(tick) + 4, "text-anchor": "end" }, `${tick.toLocaleString("en")}`),
    );
  }
  const timeTicks = 5;
  for (let i = 0; i <= timeTicks; i++) {
    const t = t0 + ((t1 - t0) * i) / timeTicks;
    grid.append(
      s("text", { x: x(t), y: height - 8, "text-anchor": i === 0 ? "start" : i === timeTicks ? "end" : "middle" }, clock(t)),
    );
  }
  grid.append(s("text", { x: 4, y: pad.top - 2, class: "chart-unit" }, unit));
  svg.append(grid);

  const line = points.map((p, i) => `${i ? "L" : "M"}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join("");
  const base = y(Math.max(v0, 0)).toFixed(1);
  svg.append(
    s("path", {
      class: "chart-area",
      d: `${line}L${x(points[points.length - 1].t).toFixed(1)},${base}L${x(t0).toFixed(1)},${base}Z`,
    }),
  );
  svg.append(s("path", { class: "chart-line", d: line }));
  const last = points[points.length - 1];
  svg.append(s("circle", { class: "chart-dot", cx: x(last.t), cy: y(last.v), r: 3.5 }));
  return svg;
}

const ENERGY = "Energy.Active.Import.Register";
const POWER = "Power.Active.Import";

/**
 * Chart series from a transaction's meter values: energy delivered in the session (kWh,
 * from the register minus the start reading) and power (kW) when the charger sends it.
 * Only phase-less readings are used (the totals); values in Wh/W or kWh/kW. With
 * `startedAt` the energy line begins at zero when the session began.
 */
export function sessionSeries(meterValues, meterStartWh, startedAt = "") {
  const energy = [];
  const t0 = new Date(startedAt).getTime();
  if (Number.isFinite(t0)) energy.push({ t: t0, v: 0 }); // the session starts at its meter start
  const power = [];
  const start = Number(meterStartWh ?? 0);
  for (const mv of meterValues) {
    if (mv.format === "SignedData" || mv.phase) continue;
    const t = new Date(mv.timestamp).getTime();
    const raw = Number.parseFloat(mv.value);
    if (!Number.isFinite(t) || !Number.isFinite(raw)) continue;
    const measurand = mv.measurand || ENERGY;
    const unit = mv.unit || (measurand === ENERGY ? "Wh" : "W");
    if (measurand === ENERGY) {
      const wh = unit === "kWh" ? raw * 1000 : raw;
      energy.push({ t, v: (wh - start) / 1000 });
    } else if (measurand === POWER) {
      power.push({ t, v: unit === "kW" ? raw : raw / 1000 });
    }
  }
  const byTime = (a, b) => a.t - b.t;
  return { energy: energy.sort(byTime), power: power.sort(byTime) };
}
