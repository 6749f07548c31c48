// The shift screen: who I am, my vehicle, papers about to lapse, the shift (start with the
// assigned vehicle's plate filled in, break, end) and the continuous-driving clock from
// /driver/me, ticking on the phone between reads, with a banner before the limit.
import { ApiError, CONFIG, describe, element, label, t, toast } from "/console/static/common.js";
import { shortTime } from "./route.js";
import { api } from "./session.js";

const WARN_BEFORE_S = 30 * 60; // the banner shows from half an hour before the limit
let home = null;
let readAt = 0;
const listeners = new Set();

/** Call `listener(home)` after each read of /driver/me. */
export const onHome = (listener) => listeners.add(listener);
export const current = () => home;

function clockText(seconds) {
  const minutes = Math.max(0, Math.floor(seconds / 60));
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`;
}

function tick() {
  if (!home) return;
  const driving = home.driving_time;
  const since = driving.driving_now ? (Date.now() - readAt) / 1000 : 0;
  const continuous = driving.continuous_s + since;
  const left = driving.remaining_s - since;
  document.getElementById("driving-clock").textContent = clockText(continuous);
  document.getElementById("driving-left").textContent = t("time_left", { time: clockText(left) });
  const banner = document.getElementById("driving-banner");
  banner.hidden = !(driving.break_needed || left <= WARN_BEFORE_S);
  banner.classList.toggle("danger", driving.break_needed || left <= 0);
  banner.textContent = driving.break_needed || left <= 0 ? t("break_needed") : t("limit_soon", { time: clockText(left) });
}

function render() {
  const { driver, vehicle, shift, documents_expiring: papers } = home;
  document.getElementById("driver-name").textContent = driver.full_name;
  document.getElementById("signed-in-as").textContent = t("signed_in_as", { name: driver.full_name });
  document.getElementById("papers").replaceChildren(
    ...papers.map((paper) =>
      element("li", {
        class: paper.expired ? "banner danger" : "banner warn",
        text: t(paper.expired ? "paper_expired" : "paper_expires", {
          document: label("document", paper.document),
          date: new Date(`${paper.expires}T00:00:00`).toLocaleDateString(CONFIG.language === "vi" ? "vi-VN" : "en-GB"),
        }),
      }),
    ),
  );
  const state = document.getElementById("shift-state");
  if (!shift) state.textContent = t("no_shift");
  else if (shift.on_break_since) state.textContent = t("on_break_since", { time: shortTime(shift.on_break_since) });
  else state.textContent = t("on_shift_since", { time: shortTime(shift.started_at) });
  const facts = document.getElementById("shift-facts");
  facts.replaceChildren(
    element("dt", { text: t("vehicle") }),
    element("dd", { text: vehicle ? `${vehicle.plate} · ${label("kind", vehicle.kind)}` : t("no_vehicle") }),
    ...(shift ? [element("dt", { text: t("planned_end") }), element("dd", { text: shortTime(shift.planned_end_at) })] : []),
  );
  const start = document.getElementById("shift-start");
  start.hidden = Boolean(shift);
  if (!shift && vehicle && !start.elements.plate.value) start.elements.plate.value = vehicle.plate;
  document.getElementById("shift-actions").hidden = !shift;
  document.getElementById("break-toggle").textContent = shift?.on_break_since ? t("end_break") : t("start_break");
  tick();
}

const KEPT = "app_home"; // the last read, so the screen (and tracking) go on without signal

function show(read, at) {
  home = read;
  readAt = at;
  render();
  for (const listener of listeners) listener(home);
}

/** Draw the last read again (the cooperative's zone has just been read, say). */
export const redraw = () => home && render();

/** Read /driver/me again (and tell the listeners). */
export async function reload() {
  const read = await api("/driver/me");
  localStorage.setItem(KEPT, JSON.stringify({ read, at: Date.now() }));
  show(read, Date.now());
  return home;
}

async function act(path, body) {
  const error = document.getElementById("shift-error");
  error.textContent = "";
  try {
    await api(path, { method: "POST", body, headers: { "Idempotency-Key": crypto.randomUUID() } });
    await reload();
  } catch (failure) {
    error.textContent = failure instanceof ApiError ? describe(failure) : t("offline");
  }
}

export function start() {
  document.getElementById("shift-start").addEventListener("submit", (event) => {
    event.preventDefault();
    const plate = event.target.elements.plate.value.trim();
    act("/driver/shift/start", { plate: plate || null });
  });
  document.getElementById("break-toggle").addEventListener("click", () =>
    act("/driver/shift/break", { on: !home?.shift?.on_break_since }),
  );
  document.getElementById("shift-end").addEventListener("click", () => act("/driver/shift/end", undefined));
  setInterval(tick, 1000);
  setInterval(() => reload().catch(() => {}), 60000);
  const kept = JSON.parse(localStorage.getItem(KEPT) ?? "null");
  if (kept) show(kept.read, kept.at);
  return reload().catch((error) => {
    if (error instanceof ApiError) toast(describe(error), true); // else: no signal, kept shown
  });
}
