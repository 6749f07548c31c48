// The alerts tab: overspeed, silence, driving time and geofence events, live, acknowledged with a note.
import { api, describe, element, format, label, streamEvents, t, toast } from "./common.js";

const KINDS = [
  "overspeed", "not_transmitting", "driving_time_warning", "continuous_driving_violation",
  "daily_driving_violation", "weekly_driving_violation", "geofence_enter", "geofence_exit", "geofence_dwell",
];
const SHOWN = 100;

export function startAlerts(context) {
  const list = document.getElementById("alert-list");
  const openOnly = document.getElementById("alerts-open-only");
  const badge = document.getElementById("alert-count");
  let alerts = []; // newest first
  let newestId = 0;

  async function load() {
    const query = new URLSearchParams({ limit: String(SHOWN) });
    for (const kind of KINDS) query.append("kind", kind);
    if (openOnly.checked) query.set("acknowledged", "false");
    try {
      alerts = await api(`/events?${query}`);
      newestId = Math.max(newestId, ...alerts.map((a) => a.id));
      render();
    } catch (error) {
      toast(describe(error), true);
    }
  }

  function render() {
    const shown = alerts.filter((a) => !openOnly.checked || !a.acknowledged_at).slice(0, SHOWN);
    badge.textContent = shown.length ? String(shown.length) : "";
    list.replaceChildren(...shown.map(item));
  }

  function item(alert) {
    const vehicle = context.vehicles?.get(alert.vehicle_id);
    const note = element("input", { type: "text", maxlength: 500, placeholder: t("ack_note"), "aria-label": t("ack_note") });
    const ack = element("button", { type: "button", text: t("acknowledge") });
    ack.addEventListener("click", async () => {
      try {
        const saved = await api(`/events/${alert.id}/acknowledge`, { method: "POST", body: { note: note.value.trim() || null } });
        Object.assign(alert, saved);
        render();
      } catch (error) {
        toast(describe(error), true);
      }
    });
    const where = element("button", { type: "button", class: "link", text: vehicle?.plate ?? (alert.vehicle_id ? `#${alert.vehicle_id}` : t("none")) });
    where.addEventListener("click", () => {
      const point = alert.point?.coordinates;
      if (point) context.map.setView([point[1], point[0]], 14);
    });
    const done = alert.acknowledged_at
      ? element("p", { class: "muted", text: `${t("acknowledged")} ${format.time(alert.acknowledged_at)} ${alert.ack_note ?? ""}` })
      : element("form", { class: "row", onsubmit: (event) => { event.preventDefault(); ack.click(); } }, note, ack);
    return element("li", { class: `alert k-${alert.kind}`, "data-id": alert.id },
      element("strong", { text: label("event", alert.kind) }), " ", where,
      element("time", { text: ` ${format.time(alert.started_at)}` }), done);
  }

  openOnly.addEventListener("change", load);
  document.getElementById("tab-alerts").addEventListener("shown", load);

  // New alerts arrive over the server's event stream; reconnects resume after the newest seen.
  async function follow() {
    for (;;) {
      try {
        await streamEvents(`/events/stream?after_id=${newestId}`, (event) => {
          newestId = Math.max(newestId, event.id);
          if (!KINDS.includes(event.kind)) return;
          alerts.unshift(event);
          render();
        });
      } catch {
        // the stream dropped (network, server restart, an expired token): refresh the token if
        // needed (a failed refresh goes to sign-in), then try again shortly
        await api("/auth/me").catch(() => null);
      }
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  }
  load().then(follow);
}
