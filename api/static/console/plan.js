// The plan tab: plan the selected (or all open) orders, follow progress, draw the routes, accept or discard.
import * as L from "/console/vendor/leaflet/leaflet-src.esm.js";
import { api, describe, element, facts, format, t, toast } from "./common.js";

const COLOURS = ["#0969da", "#cf222e", "#1a7f37", "#8250df", "#bf3989", "#d4a72c", "#0a3069", "#953800", "#116329", "#57606a"];
const POLL_MS = 1000;

export function startPlan(context) {
  const { map } = context;
  const form = document.getElementById("plan-form");
  const progress = document.getElementById("plan-progress");
  const result = document.getElementById("plan-result");
  const scope = document.getElementById("plan-scope");
  const drawn = L.layerGroup().addTo(map);
  let plan = null;

  function describeScope() {
    const count = context.selectedOrders?.size ?? 0;
    scope.textContent = count ? t("plan_selected", { count }) : t("plan_all_open");
  }
  context.onSelectionChanged = describeScope;
  document.getElementById("tab-plan").addEventListener("shown", describeScope);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const selected = [...(context.selectedOrders ?? [])];
    const body = { time_limit_s: Number(form.time_limit_s.value) };
    const quiet = form.stop_when_no_improvement_s.value; // empty: search for the whole time limit
    if (quiet) body.stop_when_no_improvement_s = Number(quiet);
    if (selected.length) body.order_ids = selected;
    try {
      plan = await api("/plans", { method: "POST", body });
    } catch (error) {
      toast(describe(error), true);
      return;
    }
    result.hidden = true;
    drawn.clearLayers();
    progress.hidden = false;
    if (plan.status === "queued") toast(t("plan_queued"));
    follow(plan.id);
  });

  async function follow(id) {
    for (;;) {
      plan = await api(`/plans/${id}`);
      progress.value = plan.progress;
      if (plan.status !== "running" && plan.status !== "queued") break; // queued: the cooperative's plan slots are busy
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    progress.hidden = true;
    if (plan.error) toast(plan.error_message || plan.error, true);
    show(plan);
  }

  function show(plan) {
    const kpis = plan.kpis ?? {};
    facts(document.getElementById("plan-kpis"), [
      [t("plan_orders"), format.number(plan.orders)],
      [t("plan_served"), `${format.number(kpis.served)} / ${format.number((kpis.served ?? 0) + (kpis.unserved ?? 0))}`],
      [t("plan_vehicles"), format.number(kpis.vehicles)],
      [t("plan_distance"), format.km(kpis.distance_m)],
      [t("plan_previous"), plan.previous_accepted ? `#${plan.previous_accepted.id}: ${format.km(plan.previous_accepted.kpis?.distance_m)}` : t("none")],
    ]);
    drawn.clearLayers();
    const bounds = [];
    const routes = (plan.routes ?? []).map((route, index) => {
      const colour = COLOURS[index % COLOURS.length];
      const vehicle = context.vehicles?.get(route.vehicle_id);
      const points = [];
      if (vehicle?.lat != null) points.push([vehicle.lat, vehicle.lon]);
      route.stops.forEach((stop, n) => {
        if (!stop.location) return;
        const at = [stop.location[1], stop.location[0]];
        points.push(at);
        bounds.push(at);
        L.marker(at, {
          icon: L.divIcon({ className: "stop-number", html: element("span", { style: `background:${colour}`, text: `${n + 1}` }), iconSize: [22, 22] }),
          keyboard: false,
        }).bindTooltip(`${n + 1}. ${t(`leg_${stop.leg}`)} #${stop.order_id} · ${t("eta")} ${format.time(stop.eta)}`).addTo(drawn);
      });
      L.polyline(points, { color: colour, weight: 4, opacity: 0.8, className: "plan-route" }).addTo(drawn);
      return element("li", { class: "route" },
        element("i", { class: "dot", style: `background:${colour}` }),
        element("strong", { text: ` ${vehicle?.plate ?? `#${route.vehicle_id}`} ` }),
        `${vehicle?.driver ?? ""} · ${t("stops_count", { count: route.stops.length })} · ${format.km(route.distance_m)} · ${format.time(route.leaves_at)} → ${format.time(route.returns_at)}`);
    });
    document.getElementById("plan-routes").replaceChildren(...routes);
    document.getElementById("plan-unserved").replaceChildren(
      ...(plan.unserved ?? []).map((u) => element("li", { text: `#${u.order_id}: ${u.reason}` })),
    );
    if (bounds.length) map.fitBounds(bounds, { padding: [40, 40] });
    document.getElementById("plan-accept").disabled = plan.status !== "done";
    result.hidden = false;
  }

  document.getElementById("plan-accept").addEventListener("click", async () => {
    try {
      const offer = document.getElementById("plan-offer").checked;
      plan = await api(`/plans/${plan.id}/accept`, { method: "POST", body: { offer, offer_deadline_s: 900 } });
      toast(t(offer ? "plan_offered" : "plan_accepted"));
      show(plan);
      context.reloadOrders?.();
    } catch (error) {
      toast(describe(error), true);
    }
  });
  document.getElementById("plan-discard").addEventListener("click", async () => {
    if (plan?.status === "running" || plan?.status === "queued") await api(`/plans/${plan.id}/cancel`, { method: "POST" }).catch(() => null);
    plan = null;
    drawn.clearLayers();
    result.hidden = true;
  });
}
