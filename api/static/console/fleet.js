// Fleet pages: vehicles, drivers and members with search and paging, the papers expiring soon,
// and CSV import with its report of every bad row.
import { api, describe, element, format, label, startPage, t, toast } from "./common.js";

const PAGE = 50;
const COLUMNS = {
  vehicles: [
    ["plate", (r) => r.plate], ["vehicle_kind", (r) => label("kind", r.kind)], ["weight_kg", (r) => format.number(r.payload_kg)],
    ["document_badge", (r) => r.badge_expiry], ["document_inspection", (r) => r.inspection_expiry],
    ["document_insurance", (r) => r.insurance_expiry], ["status", (r) => r.status],
  ],
  drivers: [
    ["full_name", (r) => r.full_name], ["phone", (r) => r.phone], ["licence", (r) => `${r.licence_class} · ${r.licence_number}`],
    ["document_licence", (r) => r.licence_expiry], ["status", (r) => r.status],
  ],
  members: [
    ["col_member_no", (r) => r.member_no], ["full_name", (r) => r.full_name], ["phone", (r) => r.phone],
    ["join_date", (r) => r.join_date], ["capital_vnd", (r) => format.number(r.capital_contribution_vnd)], ["status", (r) => r.status],
  ],
  documents: [
    ["col_label", (r) => r.label], ["col_subject", (r) => t(`subject_${r.subject}`)], ["papers", (r) => label("document", r.document)],
    ["expires_on", (r) => r.expires_on], ["days_left_col", (r) => r.days_left],
  ],
};

await startPage();
const tabs = [...document.querySelectorAll("#fleet-tabs [role=tab]")];
const search = document.getElementById("registry-search");
let entity = "vehicles";
let offset = 0;
let total = 0;

async function load() {
  const table = document.getElementById("registry-table");
  try {
    let rows;
    if (entity === "documents") {
      rows = await api("/documents/expiring?days=30");
      const text = search.value.trim().toLowerCase();
      if (text) rows = rows.filter((row) => row.label.toLowerCase().includes(text));
      total = rows.length;
      rows = rows.slice(offset, offset + PAGE);
    } else {
      const query = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
      if (search.value.trim()) query.set("q", search.value.trim());
      const page = await api(`/${entity}?${query}`);
      rows = page.items;
      total = page.total;
    }
    const columns = COLUMNS[entity];
    table.tHead.replaceChildren(element("tr", {}, ...columns.map(([key]) => element("th", { text: t(key) }))));
    table.tBodies[0].replaceChildren(
      ...rows.map((row) => element("tr", { class: row.days_left < 0 ? "flagged" : "" }, ...columns.map(([, value]) => element("td", { text: value(row) ?? "–" })))),
    );
    document.getElementById("registry-count").textContent = t("rows_range", {
      from: total ? offset + 1 : 0, to: Math.min(offset + PAGE, total), total: format.number(total),
    });
    document.getElementById("registry-prev").disabled = offset === 0;
    document.getElementById("registry-next").disabled = offset + PAGE >= total;
  } catch (error) {
    toast(describe(error), true);
  }
}

for (const tab of tabs) {
  tab.addEventListener("click", () => {
    for (const other of tabs) other.setAttribute("aria-selected", String(other === tab));
    entity = tab.dataset.entity;
    offset = 0;
    load();
  });
}
let timer;
search.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => { offset = 0; load(); }, 300);
});
document.getElementById("registry-prev").addEventListener("click", () => { offset = Math.max(0, offset - PAGE); load(); });
document.getElementById("registry-next").addEventListener("click", () => { offset += PAGE; load(); });

const importForm = document.getElementById("import-form");
importForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = new FormData();
  body.append("file", importForm.file.files[0]);
  const keep = importForm.keep_valid.checked ? "?keep_valid=true" : "";
  const summary = document.getElementById("import-summary");
  const errors = document.getElementById("import-errors");
  try {
    const answer = await api(`/${importForm.entity.value}/import${keep}`, { method: "POST", form: body, raw: true });
    const report = await answer.json();
    if (!report.errors) throw new Error(report.message ?? `HTTP ${answer.status}`);
    summary.textContent = t(answer.ok ? "csv_done" : "csv_refused", { imported: report.imported, rejected: report.rejected });
    summary.className = answer.ok ? "" : "error";
    errors.tBodies[0].replaceChildren(
      ...report.errors.map((error) => element("tr", {}, element("td", { class: "num", text: error.row }), element("td", { text: error.column ?? "–" }), element("td", { text: error.message }))),
    );
    errors.hidden = report.errors.length === 0;
    if (answer.ok) load();
  } catch (error) {
    toast(describe(error), true);
  }
});

await load();
document.body.dataset.ready = "true";
