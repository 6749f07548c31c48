// Small SVG charts, drawn from numbers already on the page: no chart library to ship.
const NS = "http://www.w3.org/2000/svg";

function node(tag, attributes, text) {
  const made = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attributes)) made.setAttribute(name, String(value));
  if (text != null) made.textContent = text;
  return made;
}

function frame(svg) {
  svg.replaceChildren();
  const box = svg.getBoundingClientRect();
  const width = Math.max(box.width, 300);
  const height = Math.max(box.height, 160);
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  return { width, height };
}

/** A line over days: points [{x: label, y: number}], y formatted by `show`. */
export function lineChart(svg, points, show) {
  const { width, height } = frame(svg);
  if (!points.length) return;
  const left = 48, bottom = 22, top = 8;
  const most = Math.max(...points.map((p) => p.y), 1e-9);
  const step = (width - left - 8) / Math.max(points.length - 1, 1);
  const y = (value) => top + (height - top - bottom) * (1 - value / most);
  svg.append(node("line", { x1: left, x2: width - 8, y1: y(0), y2: y(0), stroke: "#d0d7de" }));
  svg.append(node("text", { x: 4, y: y(most) + 4, "font-size": 11 }, show(most)));
  svg.append(node("text", { x: 4, y: y(0), "font-size": 11 }, show(0)));
  const path = points.map((p, i) => `${i ? "L" : "M"}${left + i * step},${y(p.y)}`).join(" ");
  svg.append(node("path", { d: path, fill: "none", stroke: "#0969da", "stroke-width": 2 }));
  points.forEach((p, i) => {
    const dot = node("circle", { cx: left + i * step, cy: y(p.y), r: 3, fill: "#0969da" });
    dot.append(node("title", {}, `${p.x}: ${show(p.y)}`));
    svg.append(dot);
  });
  svg.append(node("text", { x: left, y: height - 4, "font-size": 11 }, points[0].x));
  svg.append(node("text", { x: width - 8, y: height - 4, "font-size": 11, "text-anchor": "end" }, points.at(-1).x));
}

/** Horizontal bars: [{label, value, colour?}]. */
export function barChart(svg, bars, show) {
  const { width, height } = frame(svg);
  if (!bars.length) return;
  const left = Math.min(230, width * 0.45);
  const fit = (text) => (text.length > 32 ? `${text.slice(0, 31)}…` : text);
  const row = Math.min(22, height / bars.length);
  const most = Math.max(...bars.map((b) => b.value), 1e-9);
  bars.forEach((bar, i) => {
    const y = i * row;
    svg.append(node("text", { x: left - 6, y: y + row * 0.7, "font-size": 11, "text-anchor": "end" }, fit(bar.label)));
    const length = ((width - left - 60) * bar.value) / most;
    const rect = node("rect", { x: left, y: y + 2, width: Math.max(length, 1), height: row - 4, fill: bar.colour ?? "#0969da" });
    rect.append(node("title", {}, `${bar.label}: ${show(bar.value)}`));
    svg.append(rect);
    svg.append(node("text", { x: left + length + 4, y: y + row * 0.7, "font-size": 11 }, show(bar.value)));
  });
}
