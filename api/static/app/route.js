// My route: the jobs in order with each stop's address, ETA, window, contact (tap to call),
// load and notes, and a "navigate" link that opens the phone's maps app at the stop. The last
// route read is kept on the phone, so the screen draws at once and without signal; a job's
// status counts the steps still waiting in the outbox. The map (Leaflet) loads only when asked.
import { element, format, label, t } from "/console/static/common.js";
import * as outbox from "./outbox.js";
import { api } from "./session.js";

const KEPT = "app_route";
export const NEXT = {
  accepted: "en_route_pickup",
  en_route_pickup: "at_pickup",
  at_pickup: "picked_up",
  picked_up: "en_route_dropoff",
  en_route_dropoff: "at_dropoff",
  at_dropoff: "delivered",
};
const BEFORE_PICKUP = new Set(["accepted", "en_route_pickup", "at_pickup"]);
let jobs = JSON.parse(localStorage.getItem(KEPT) ?? "[]");
let waiting = [];
let map = null;

export const all = () => jobs;
export const find = (id) => jobs.find((job) => job.id === id);

// The last step the server took for each job: a route read that was already on its way when a
// step went through (or one that no longer lists a finished job) must not take the job back.
const taken = new Map();
const AHEAD = [...Object.keys(NEXT), "delivered"];
const rank = (status) => (status === "failed" ? AHEAD.length : AHEAD.indexOf(status));

/** The job's status once the steps still waiting to be sent are counted. */
export function statusOf(job) {
  const steps = waiting.filter((item) => item.kind === "step" && item.order_id === job.id);
  if (steps.length) return steps[steps.length - 1].body.status;
  const confirmed = taken.get(job.id);
  return confirmed && rank(confirmed) > rank(job.status) ? confirmed : job.status;
}

/** The stop the driver is heading to or standing at. */
export const stopOf = (job) => (BEFORE_PICKUP.has(statusOf(job)) ? job.pickup : job.dropoff);

const [lon, lat] = [0, 1];
/** A link that opens the phone's maps app with directions to the point. */
export function navigateUrl(stop) {
  const point = stop.location.coordinates;
  return `https://www.google.com/maps/dir/?api=1&destination=${point[lat]},${point[lon]}`;
}

/** A time as a driver reads it: "14:05", with the day when it is not today (the
 *  cooperative's zone; Vietnam's by default). */
export function shortTime(iso) {
  if (iso == null) return "–";
  const when = new Date(iso);
  const locale = document.documentElement.lang === "vi" ? "vi-VN" : "en-GB";
  const day = (date) => date.toLocaleDateString(locale, { timeZone: format.zone, day: "numeric", month: "numeric" });
  const clock = when.toLocaleTimeString(locale, { timeZone: format.zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  return day(when) === day(new Date()) ? clock : `${clock} ${day(when)}`;
}

function windowText(stop) {
  if (!stop.window_from && !stop.window_to) return null;
  const clock = (iso) => (iso ? shortTime(iso) : "…");
  return `${clock(stop.window_from)} – ${clock(stop.window_to)}`;
}

function loadText(job) {
  const parts = [];
  if (job.weight_kg) parts.push(t("kg", { value: format.number(job.weight_kg) }));
  if (job.volume_m3) parts.push(`${format.number(job.volume_m3, 1)} m³`);
  if (job.seats) parts.push(t("seats_count", { value: job.seats }));
  return parts.join(" · ") || null;
}

/** One stop's facts, with tap-to-call and navigate. */
export function stopBlock(kind, stop) {
  const rows = [
    [t("eta"), stop.eta ? shortTime(stop.eta) : null],
    [t("window"), windowText(stop)],
    [t("notes"), stop.notes],
  ].filter(([, value]) => value);
  return element(
    "div",
    { class: "stop" },
    element("h3", { text: t(kind) }),
    element("p", { class: "address", text: stop.address }),
    element("dl", { class: "facts" }, ...rows.flatMap(([name, value]) => [element("dt", { text: name }), element("dd", { text: value })])),
    element(
      "div",
      { class: "actions" },
      stop.phone ? element("a", { class: "big button", href: `tel:${stop.phone}`, text: t("call", { phone: stop.contact ? `${stop.contact} ${stop.phone}` : stop.phone }) }) : null,
      element("a", { class: "big button", href: navigateUrl(stop), target: "_blank", rel: "noopener", text: t("navigate") }),
    ),
  );
}

function jobCard(job, index) {
  const status = statusOf(job);
  const stop = stopOf(job);
  const load = loadText(job);
  return element(
    "li",
    { class: "card job", "data-order": job.id },
    element("h2", { text: `${index + 1}. ${job.reference} · ${job.customer_name}` }),
    element("p", { class: `state status-${status}`, text: label("order_status", status) }),
    stopBlock(stop === job.pickup ? "pickup" : "dropoff", stop),
    load ? element("p", {}, element("strong", { text: `${t("load")}: ` }), load) : null,
    job.notes ? element("p", { class: "muted", text: job.notes }) : null,
    element("a", { class: "big button primary", href: `#job/${job.id}`, text: t("open_job") }),
  );
}

/** A User Timing mark, once per page: how soon the stops are on the screen. */
function markOnce(name) {
  if (!performance.getEntriesByName(name).length) performance.mark(name);
}

export function render() {
  const open = jobs.filter((job) => NEXT[statusOf(job)]);
  document.getElementById("job-list").replaceChildren(...open.map(jobCard));
  document.getElementById("no-jobs").hidden = open.length > 0;
  if (open.length) markOnce("route-drawn"); // from the kept route or the server's
  if (map) drawMap();
}

/** Read the route again; without signal the kept one stays. */
export async function reload() {
  jobs = await api("/driver/jobs");
  localStorage.setItem(KEPT, JSON.stringify(jobs));
  render();
  markOnce("route-read"); // the server's route on the screen
}

/** A step the server has taken: the kept route says so before it is read again. */
export function setStatus(orderId, status) {
  taken.set(orderId, status);
  const found = find(orderId);
  if (found) found.status = status;
  localStorage.setItem(KEPT, JSON.stringify(jobs));
}

/** Forget the kept route (sign-out). */
export function forget() {
  jobs = [];
  localStorage.removeItem(KEPT);
}

// --- the map --------------------------------------------------------------------------------

let here = null;
let layer = null;

/** Where the phone is, for the map's "me" marker. */
export function setPosition(point) {
  here = point;
  if (map) drawMap();
}

function loadLeaflet() {
  const sheet = element("link", { rel: "stylesheet", href: "/console/vendor/leaflet/leaflet.css" });
  document.head.append(sheet);
  return new Promise((resolve, reject) => {
    const script = element("script", { src: "/console/vendor/leaflet/leaflet.js" });
    script.onload = resolve;
    script.onerror = reject;
    document.head.append(script);
  });
}

function drawMap() {
  const L = window.L;
  layer?.remove();
  layer = L.layerGroup().addTo(map);
  const bounds = [];
  jobs.filter((job) => NEXT[statusOf(job)]).forEach((job, index) => {
    for (const [kind, stop] of [["pickup", job.pickup], ["dropoff", job.dropoff]]) {
      const [x, y] = stop.location.coordinates;
      bounds.push([y, x]);
      L.circleMarker([y, x], { radius: 10, color: kind === "pickup" ? "#0b3d91" : "#1a7f37", weight: 3 })
        .bindTooltip(`${index + 1}. ${t(kind)}: ${stop.address}`)
        .addTo(layer);
    }
  });
  if (here) {
    bounds.push([here.lat, here.lon]);
    L.circleMarker([here.lat, here.lon], { radius: 8, color: "#cf222e", fillOpacity: 1 }).bindTooltip(t("me_here")).addTo(layer);
  }
  if (bounds.length) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
}

async function showMap() {
  const box = document.getElementById("route-map");
  box.hidden = !box.hidden;
  if (box.hidden || map) return;
  await loadLeaflet();
  const { tileUrl, tileAttribution } = JSON.parse(document.getElementById("config").textContent);
  map = window.L.map(box, { zoomControl: true }).setView([10.95, 106.84], 11);
  if (tileUrl) window.L.tileLayer(tileUrl, { attribution: tileAttribution ?? "" }).addTo(map);
  else box.classList.add("plain-map");
  drawMap();
  box.scrollIntoView({ block: "start" }); // the whole map between the bar and the tabs
}

export async function start() {
  outbox.onChange((items) => {
    waiting = items;
    render();
  });
  waiting = await outbox.waiting();
  render();
  document.getElementById("map-toggle").addEventListener("click", showMap);
}
