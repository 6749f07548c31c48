// The directors' reports: utilization (ranked, bottom 10 % flagged, previous period beside),
// compliance, the member statement; charts; CSV, XLSX and the monthly PDF.
import { api, describe, element, facts, format, label, startPage, t, toast } from "./common.js";
import { barChart, lineChart } from "./charts.js";

const PAGE_ROWS = 100; // table rows shown at a time; exports carry them all
const TOP = 5;

await startPage();
const form = document.getElementById("report-filters");
const today = new Date();
form.month.value = today.toISOString().slice(0, 7);
form.start.value = today.toISOString().slice(0, 10);
let shownRows = PAGE_ROWS;
let utilization = null;

function showPeriodInputs() {
  for (const field of form.querySelectorAll("[data-for]")) {
    field.hidden = !field.dataset.for.split(" ").includes(form.period.value);
  }
}
form.period.addEventListener("change", showPeriodInputs);
showPeriodInputs();

const iso = (date) => date.toISOString().slice(0, 10);
function range() {
  const kind = form.period.value;
  if (kind === "month") {
    const [year, month] = form.month.value.split("-").map(Number);
    return [`${form.month.value}-01`, iso(new Date(Date.UTC(year, month, 0)))];
  }
  const start = new Date(`${form.start.value}T00:00:00Z`);
  if (kind === "day") return [iso(start), iso(start)];
  if (kind === "week") {
    const monday = new Date(start.getTime() - ((start.getUTCDay() + 6) % 7) * 86400000);
    return [iso(monday), iso(new Date(monday.getTime() + 6 * 86400000))];
  }
  return [form.start.value, form.end.value || form.start.value];
}

function query(extra = {}) {
  const [start, end] = range();
  return new URLSearchParams({ start_day: start, end_day: end, group: form.group.value, ...extra });
}

const percent = (share) => (share == null ? "–" : `${format.number(share * 100, 1)} %`);
const cell = (value, className = "num") => element("td", { class: className, text: value });

async function load() {
  const [start, end] = range();
  document.getElementById("report-period").textContent = t("report_period", { start, end });
  try {
    const [usage, checks, members] = await Promise.all([
      api(`/reports/utilization?${query()}`),
      api(`/reports/compliance?${query()}`),
      api(`/reports/members?month=${start.slice(0, 7)}`),
    ]);
    utilization = usage;
    shownRows = PAGE_ROWS;
    showUtilization();
    showCompliance(checks);
    showMembers(members);
  } catch (error) {
    toast(describe(error), true);
  }
}

function showUtilization() {
  const usage = utilization;
  facts(document.getElementById("report-totals"), [
    [t("total_km"), format.number(usage.totals.km, 1)],
    [t("col_moving_h"), format.number(usage.totals.moving_hours, 1)],
    [t("col_orders"), format.number(usage.totals.orders_served)],
    [t("col_revenue"), format.vnd(usage.totals.revenue_vnd)],
    [t("average_utilization"), percent(usage.averages.utilization)],
    [t("rows_count"), format.number(usage.rows.length)],
  ]);
  const groupLabel = (row) => (usage.group === "kind" ? label("kind", row.label) : row.label ?? `#${row.key}`);
  const empty = element("tr", {}, element("td", { colspan: 15, class: "muted", text: t("no_data_period") }));
  document.querySelector("#utilization-table tbody").replaceChildren(
    ...(usage.rows.length ? [] : [empty]),
    ...usage.rows.slice(0, shownRows).map((row) =>
      element("tr", { class: row.bottom_10_percent ? "flagged" : "", title: row.bottom_10_percent ? t("bottom_10") : null },
        cell(row.rank), cell(groupLabel(row), ""), cell(format.number(row.km, 1)), cell(format.number(row.engine_hours, 1)),
        cell(format.number(row.moving_hours, 1)), cell(percent(row.idle_share)), cell(row.days_active),
        cell(percent(row.utilization)), cell(row.trips), cell(row.orders_served), cell(percent(row.on_time_share)),
        cell(format.number(row.revenue_vnd)), cell(format.number(row.revenue_per_km_vnd)),
        cell(format.number(row.events_per_100_km, 2)), cell(format.number(row.previous_km, 1))),
    ),
  );
  document.getElementById("rows-more").hidden = usage.rows.length <= shownRows;
  lineChart(document.getElementById("chart-days"), usage.days.map((d) => ({ x: d.day, y: d.utilization })), percent);
  const ranked = usage.rows;
  const ends = [...ranked.slice(0, TOP), ...ranked.slice(Math.max(TOP, ranked.length - TOP))];
  barChart(document.getElementById("chart-ranks"),
    ends.map((row) => ({ label: groupLabel(row), value: row.utilization, colour: row.bottom_10_percent ? "#cf222e" : "#1a7f37" })), percent);
}

document.getElementById("rows-more").addEventListener("click", () => {
  shownRows += PAGE_ROWS;
  showUtilization();
});

const VIOLATIONS = ["driving_time_warning", "continuous_driving_violation", "daily_driving_violation", "weekly_driving_violation", "overspeed", "not_transmitting"];

function showCompliance(checks) {
  const flagged = checks.rows.filter((row) => VIOLATIONS.some((kind) => row[kind] > 0));
  document.querySelector("#compliance-table tbody").replaceChildren(
    ...flagged.map((row) =>
      element("tr", {}, cell(t(`subject_${row.subject}`), ""), cell(row.label, ""), cell(format.number(row.km, 1)),
        cell(row.driving_time_warning), cell(row.continuous_driving_violation), cell(row.daily_driving_violation),
        cell(row.weekly_driving_violation), cell(row.overspeed), cell(format.number(row.overspeed_per_100_km, 2)),
        cell(format.number(row.not_transmitting_minutes, 1))),
    ),
  );
  const totals = VIOLATIONS.map((kind) => ({
    label: label("event", kind),
    value: checks.rows.filter((row) => row.subject === (kind === "overspeed" || kind === "not_transmitting" ? "vehicle" : "driver")).reduce((sum, row) => sum + row[kind], 0),
    colour: kind.endsWith("violation") ? "#cf222e" : "#d4a72c",
  }));
  barChart(document.getElementById("chart-violations"), totals, (value) => format.number(value));
  document.getElementById("compliance-documents").replaceChildren(
    ...checks.documents.map((paper) =>
      element("li", { class: paper.days_left < 0 ? "expired" : "soon" },
        `${paper.label} — ${label("document", paper.document)}: ${paper.expires_on} (${t("days_left", { days: paper.days_left })})`),
    ),
  );
}

function showMembers(statement) {
  document.querySelector("#members-table tbody").replaceChildren(
    ...statement.rows.map((row) =>
      element("tr", {}, cell(row.member_no, ""), cell(row.full_name, ""), cell(row.vehicles), cell(format.number(row.km, 1)),
        cell(row.orders_served), cell(format.number(row.revenue_vnd)), cell(format.number(row.fee_due_vnd))),
    ),
  );
}

async function download(path, filename) {
  try {
    const answer = await api(path, { raw: true });
    if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
    const link = element("a", { href: URL.createObjectURL(await answer.blob()), download: filename });
    document.body.append(link);
    link.click();
    link.remove();
  } catch (error) {
    toast(describe(error), true);
  }
}

for (const button of form.querySelectorAll("[data-export]")) {
  button.addEventListener("click", () => {
    const kind = button.dataset.export;
    const [start, end] = range();
    download(`/reports/utilization?${query({ format: kind })}`, `utilization-${form.group.value}-${start}-${end}.${kind}`);
  });
}
document.getElementById("monthly-pdf").addEventListener("click", () => {
  const month = range()[0].slice(0, 7);
  download(`/reports/monthly.pdf?month=${month}`, `bao-cao-${month}.pdf`);
});

form.addEventListener("submit", (event) => {
  event.preventDefault();
  load();
});
await load();
document.body.dataset.ready = "true";
