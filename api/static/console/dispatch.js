// The dispatcher's page: the live map with its vehicles tab; orders, plan and alerts tabs.
import * as L from "/console/vendor/leaflet/leaflet-src.esm.js";
import { CONFIG, api, describe, element, facts, format, isoToZoned, label, startPage, t, toast, zonedToIso } from "./common.js";
import { LiveFeed } from "./live.js";
import { STATUS_COLOURS, VehicleLayer } from "./vehicle-layer.js";
import { startOrders } from "./orders.js";
import { startPlan } from "./plan.js";
import { startAlerts } from "./alerts.js";

const LIST_LIMIT = 100; // rows in the vehicle list; the map shows them all
const LIST_REFRESH_MS = 2000;

const me = await startPage();
const map = L.map("map", { zoomControl: true, keyboard: true }).setView([10.95, 106.82], 10);
if (CONFIG.tileUrl) {
  L.tileLayer(CONFIG.tileUrl, { attribution: CONFIG.tileAttribution, maxZoom: 19 }).addTo(map);
} else {
  map.getContainer().classList.add("plain-map"); // works offline: a plain background
}
L.control.scale({ imperial: false }).addTo(map);

const filter = { text: "", kind: "", statuses: new Set(Object.keys(STATUS_COLOURS)) };
function matches(vehicle) {
  if (!filter.statuses.has(vehicle.status)) return false;
  if (filter.kind && vehicle.kind !== filter.kind) return false;
  if (!filter.text) return true;
  const haystack = `${vehicle.plate} ${vehicle.driver ?? ""}`.toLowerCase();
  return haystack.includes(filter.text);
}

const layer = new VehicleLayer({ visible: matches, onSelect: (id) => openVehicle(id) });
layer.addTo(map);
const trackLayer = L.layerGroup().addTo(map);

const context = { map, me, vehicles: null, layer, onOrdersChanged: [] };
const feed = new LiveFeed({
  onVehicles: (changed, snapshot) => {
    if (snapshot) {
      layer.setVehicles(feed.vehicles);
      fillKinds();
      renderList();
    } else {
      layer.redraw();
      scheduleList();
    }
    if (openId != null && changed.has(openId)) refreshOpenFacts();
  },
  onOrders: (orders) => context.onOrdersChanged.forEach((listener) => listener(orders)),
  onState: (state) => document.body.classList.toggle("reconnecting", state !== "live"),
});
context.feed = feed;
context.vehicles = feed.vehicles; // one Map, kept current by the feed
window.coopfleet = { map, feed, layer }; // for the browser tests and benchmark
feed.connect();

// --- tabs ----------------------------------------------------------------------------------
const tabs = [...document.querySelectorAll('#tabs [role="tab"]')].filter((tab) => !tab.hidden);
function showTab(tab) {
  for (const other of tabs) {
    const selected = other === tab;
    other.setAttribute("aria-selected", String(selected));
    other.tabIndex = selected ? 0 : -1;
    document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
  }
  tab.dispatchEvent(new CustomEvent("shown"));
}
for (const tab of tabs) {
  tab.addEventListener("click", () => showTab(tab));
  tab.addEventListener("keydown", (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
    next.focus();
    showTab(next);
  });
}
showTab(tabs[0]);
context.showTab = (id) => showTab(document.getElementById(id));

// --- vehicles: filters and list ------------------------------------------------------------
const statusBox = document.getElementById("status-filter");
const counters = {};
for (const [status, colour] of Object.entries(STATUS_COLOURS)) {
  const box = element("input", { type: "checkbox", checked: true, value: status });
  box.addEventListener("change", () => {
    if (box.checked) filter.statuses.add(status);
    else filter.statuses.delete(status);
    applyFilter();
  });
  counters[status] = element("span", { class: "count" });
  statusBox.append(
    element("label", { class: "chip" }, box, element("i", { class: "dot", style: `background:${colour}` }), ` ${label("status", status)} `, counters[status]),
  );
}
document.getElementById("vehicle-search").addEventListener("input", (event) => {
  filter.text = event.target.value.trim().toLowerCase();
  applyFilter();
});
const kindSelect = document.getElementById("vehicle-kind");
kindSelect.addEventListener("change", () => {
  filter.kind = kindSelect.value;
  applyFilter();
});

function fillKinds() {
  const kinds = [...new Set([...feed.vehicles.values()].map((v) => v.kind))].sort();
  const chosen = kindSelect.value;
  kindSelect.replaceChildren(element("option", { value: "", text: t("all_kinds") }), ...kinds.map((kind) => element("option", { value: kind, text: label("kind", kind) })));
  kindSelect.value = chosen;
}

function applyFilter() {
  layer.redraw();
  renderList();
}

let listTimer = null;
function scheduleList() {
  if (listTimer) return;
  listTimer = setTimeout(() => {
    listTimer = null;
    renderList();
  }, LIST_REFRESH_MS);
}

const list = document.getElementById("vehicle-list");
function renderList() {
  const counts = Object.fromEntries(Object.keys(STATUS_COLOURS).map((s) => [s, 0]));
  const shown = [];
  for (const vehicle of feed.vehicles.values()) {
    counts[vehicle.status] = (counts[vehicle.status] ?? 0) + 1;
    if (matches(vehicle)) shown.push(vehicle);
  }
  for (const [status, node] of Object.entries(counters)) node.textContent = format.number(counts[status]);
  shown.sort((a, b) => a.plate.localeCompare(b.plate));
  document.getElementById("vehicle-summary").textContent = t("vehicles_shown", {
    shown: format.number(Math.min(shown.length, LIST_LIMIT)),
    total: format.number(shown.length),
  });
  list.replaceChildren(
    ...shown.slice(0, LIST_LIMIT).map((vehicle) =>
      element(
        "li",
        {},
        element(
          "button",
          { type: "button", class: "vehicle", "data-id": vehicle.id, onclick: () => openVehicle(vehicle.id) },
          element("i", { class: "dot", style: `background:${STATUS_COLOURS[vehicle.status]}` }),
          element("strong", { text: vehicle.plate }),
          ` ${vehicle.driver ?? t("no_driver")} · ${label("status", vehicle.status)}`,
          vehicle.speed != null ? ` · ${vehicle.speed} km/h` : "",
        ),
      ),
    ),
  );
}

// --- vehicles: the panel and track replay --------------------------------------------------
const panel = document.getElementById("vehicle-panel");
let openId = null;
let openData = null;

async function openVehicle(id) {
  showTab(document.getElementById("tab-vehicles"));
  openId = id;
  layer.select(id);
  trackLayer.clearLayers();
  const vehicle = feed.vehicles.get(id);
  if (vehicle?.lat != null) map.panTo([vehicle.lat, vehicle.lon]);
  try {
    openData = await api(`/vehicles/${id}/live`);
  } catch (error) {
    toast(describe(error), true);
    return;
  }
  document.getElementById("vehicle-title").textContent = openData.vehicle.plate;
  refreshOpenFacts();
  document.getElementById("vehicle-papers").replaceChildren(
    ...openData.papers.map((paper) =>
      element("li", { class: paper.days_left != null && paper.days_left < 0 ? "expired" : paper.soon ? "soon" : "" },
        `${label("document", paper.document)}: ${paper.expires_on ?? "–"}`,
        paper.days_left != null ? ` (${t("days_left", { days: paper.days_left })})` : ""),
    ),
  );
  const form = document.getElementById("track-form");
  const now = new Date();
  form.end.value = isoToZoned(now);
  form.start.value = `${isoToZoned(now).slice(0, 10)}T00:00`;
  document.getElementById("track-summary").textContent = "";
  panel.hidden = false;
  panel.focus();
}

function shiftText(shift) {
  if (!shift) return t("off_shift");
  const until = t("on_shift_until", { time: format.time(shift.planned_end_at) });
  return shift.on_break ? `${until} · ${t("on_break")}` : until;
}

function refreshOpenFacts() {
  if (!openData) return;
  const live = feed.vehicles.get(openId) ?? {};
  facts(document.getElementById("vehicle-facts"), [
    [t("vehicle_kind"), label("kind", openData.vehicle.kind)],
    [t("driver"), openData.driver ? `${openData.driver.full_name} (${openData.driver.phone})` : t("no_driver")],
    [t("shift"), shiftText(openData.shift)],
    [t("status"), label("status", live.status ?? openData.status)],
    [t("speed"), live.speed != null ? `${live.speed} km/h` : "–"],
    [t("last_message"), live.t ? format.time(live.t * 1000) : format.time(openData.position?.device_time)],
    [t("today_km"), format.km(openData.today?.distance_m)],
    [t("today_moving"), format.duration(openData.today?.moving_s)],
    [t("current_job"), live.job ?? openData.job?.reference ?? t("none")],
  ]);
}

document.getElementById("vehicle-close").addEventListener("click", () => {
  panel.hidden = true;
  openId = null;
  openData = null;
  layer.select(null);
  trackLayer.clearLayers();
});

document.getElementById("track-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const query = new URLSearchParams({ start: zonedToIso(form.start.value), end: zonedToIso(form.end.value) });
  try {
    const track = await api(`/vehicles/${openId}/track?${query}`);
    trackLayer.clearLayers();
    const summary = document.getElementById("track-summary");
    if (!track.geometry) {
      summary.textContent = t("no_positions");
      return;
    }
    const line = L.geoJSON(track, { style: { color: "#cf222e", weight: 4 } }).addTo(trackLayer);
    map.fitBounds(line.getBounds(), { padding: [30, 30] });
    summary.textContent = t("track_summary", {
      points: format.number(track.properties.points),
      length: format.km(track.properties.length_m),
    });
  } catch (error) {
    toast(describe(error), true);
  }
});

if (me.role !== "director") {
  startOrders(context);
  startPlan(context);
}
startAlerts(context);
document.body.dataset.ready = "true"; // every control is wired: tests and users may act
