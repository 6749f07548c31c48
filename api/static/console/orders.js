// The orders tab: list and search, create and edit (points typed or picked on the map), cancel,
// the timeline with proof of delivery, driver suggestions and offers. Statuses update live.
import * as L from "/console/vendor/leaflet/leaflet-src.esm.js";
import { api, describe, element, facts, format, isoToZoned, label, t, toast, zonedToIso } from "./common.js";

const STATUSES = [
  "new", "planned", "offered", "accepted", "en_route_pickup", "at_pickup", "picked_up",
  "en_route_dropoff", "at_dropoff", "delivered", "failed", "cancelled",
];
const OPEN = new Set(["new", "planned"]);
const KINDS = ["truck", "container_tractor", "coach", "bus", "van", "taxi", "contract_car"];
const PAGE = 50;

export function startOrders(context) {
  const { map } = context;
  const table = document.querySelector("#order-table tbody");
  const form = document.getElementById("order-form");
  const detail = document.getElementById("order-detail");
  const search = document.getElementById("order-search");
  const statusSelect = document.getElementById("order-status");
  const pins = L.layerGroup().addTo(map);
  const rows = new Map(); // order id -> its table row
  context.selectedOrders = new Set();
  let current = null; // the order shown in detail
  let editing = null; // the order being edited, or null for a new one
  let picking = null; // "pickup" | "dropoff" while waiting for a click on the map

  statusSelect.append(...STATUSES.map((s) => element("option", { value: s, text: label("order_status", s) })));
  form.vehicle_kind.append(...KINDS.map((k) => element("option", { value: k, text: label("kind", k) })));

  async function load() {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (search.value.trim()) query.set("q", search.value.trim());
    if (statusSelect.value) query.set("status", statusSelect.value);
    try {
      const page = await api(`/orders?${query}`);
      rows.clear();
      table.replaceChildren(...page.items.map(row));
    } catch (error) {
      toast(describe(error), true);
    }
  }

  function row(order) {
    const box = element("input", { type: "checkbox", "aria-label": order.reference, checked: context.selectedOrders.has(order.id), disabled: !OPEN.has(order.status) });
    box.addEventListener("change", () => {
      if (box.checked) context.selectedOrders.add(order.id);
      else context.selectedOrders.delete(order.id);
      context.onSelectionChanged?.();
    });
    const open = element("button", { type: "button", class: "link", text: order.reference, onclick: () => show(order.id) });
    const status = element("td", { class: `status s-${order.status}`, text: label("order_status", order.status) });
    const tr = element("tr", { "data-id": order.id }, element("td", {}, box), element("td", {}, open), element("td", { text: order.customer_name }), status);
    rows.set(order.id, { tr, status, box });
    return tr;
  }

  let searchTimer;
  search.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(load, 300);
  });
  statusSelect.addEventListener("change", load);
  document.getElementById("tab-orders").addEventListener("shown", load);

  // Live statuses from the feed: update the rows shown, the open order, and new orders appear.
  context.onOrdersChanged.push((orders) => {
    let unknown = false;
    for (const change of orders) {
      const shown = rows.get(change.id);
      if (shown) {
        shown.status.textContent = label("order_status", change.status);
        shown.status.className = `status s-${change.status}`;
        shown.box.disabled = !OPEN.has(change.status);
      } else unknown = true;
      if (current && current.id === change.id) show(change.id);
    }
    if (unknown && !document.getElementById("pane-orders").hidden) load();
  });

  // --- create and edit -------------------------------------------------------------------
  function openForm(order) {
    editing = order;
    form.reset();
    document.getElementById("order-form-error").textContent = "";
    document.getElementById("order-form-title").textContent = order ? `${t("edit")} ${order.reference}` : t("new_order");
    if (order) {
      for (const name of ["reference", "kind", "customer_name", "customer_phone", "weight_kg", "volume_m3", "seats", "price_vnd", "priority", "notes"]) {
        form[name].value = order[name] ?? "";
      }
      form.vehicle_kind.value = order.vehicle_kind ?? "";
      for (const stop of ["pickup", "dropoff"]) {
        const data = order[stop];
        form[`${stop}_address`].value = data.address;
        [form[`${stop}_lon`].value, form[`${stop}_lat`].value] = data.location.coordinates;
        form[`${stop}_from`].value = data.window_from ? isoToZoned(new Date(data.window_from)) : "";
        form[`${stop}_to`].value = data.window_to ? isoToZoned(new Date(data.window_to)) : "";
      }
    }
    form.reference.disabled = Boolean(order);
    detail.hidden = true;
    form.hidden = false;
    form.reference.focus();
  }

  function body() {
    const number = (name) => Number(form[name].value || 0);
    const stop = (name) => ({
      address: form[`${name}_address`].value.trim(),
      location: { type: "Point", coordinates: [Number(form[`${name}_lon`].value), Number(form[`${name}_lat`].value)] },
      window_from: zonedToIso(form[`${name}_from`].value),
      window_to: zonedToIso(form[`${name}_to`].value),
    });
    const data = {
      kind: form.kind.value,
      customer_name: form.customer_name.value.trim(),
      customer_phone: form.customer_phone.value.trim() || null,
      weight_kg: number("weight_kg"),
      volume_m3: number("volume_m3"),
      seats: number("seats"),
      vehicle_kind: form.vehicle_kind.value || null,
      price_vnd: number("price_vnd"),
      priority: number("priority"),
      notes: form.notes.value.trim() || null,
      pickup: stop("pickup"),
      dropoff: stop("dropoff"),
    };
    if (!editing) data.reference = form.reference.value.trim();
    return data;
  }

  document.getElementById("order-new").addEventListener("click", () => openForm(null));
  document.getElementById("order-form-cancel").addEventListener("click", () => (form.hidden = true));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = document.getElementById("order-form-error");
    try {
      const saved = editing
        ? await api(`/orders/${editing.id}`, { method: "PATCH", body: body() })
        : await api("/orders", { method: "POST", body: body() });
      form.hidden = true;
      toast(t("order_saved", { reference: saved.reference }));
      await load();
      show(saved.id);
    } catch (failure) {
      error.textContent = describe(failure);
      const field = failure.field?.split(".").pop();
      if (field && form[field]) form[field].focus();
    }
  });

  for (const button of form.querySelectorAll("button.pick")) {
    button.addEventListener("click", () => {
      picking = button.dataset.stop;
      map.getContainer().classList.add("picking");
      toast(t("click_map_for", { stop: t(`stop_${picking}`) }));
    });
  }
  map.on("click", (event) => {
    if (!picking) return;
    form[`${picking}_lon`].value = event.latlng.lng.toFixed(6);
    form[`${picking}_lat`].value = event.latlng.lat.toFixed(6);
    picking = null;
    map.getContainer().classList.remove("picking");
  });

  // --- one order: facts, timeline, proof, suggestions ------------------------------------
  async function show(id) {
    let order, history;
    try {
      [order, history] = await Promise.all([api(`/orders/${id}`), api(`/orders/${id}/events`)]);
    } catch (error) {
      toast(describe(error), true);
      return;
    }
    current = order;
    form.hidden = true;
    document.getElementById("order-title").textContent = `${order.reference} · ${label("order_status", order.status)}`;
    const driver = order.vehicle_id && context.vehicles?.get(order.vehicle_id);
    facts(document.getElementById("order-facts"), [
      [t("customer"), `${order.customer_name} ${order.customer_phone ?? ""}`],
      [t("stop_pickup"), `${order.pickup.address} ${window_(order.pickup)}`],
      [t("stop_dropoff"), `${order.dropoff.address} ${window_(order.dropoff)}`],
      [t("load"), `${format.number(order.weight_kg)} kg · ${format.number(order.volume_m3, 1)} m³ · ${order.seats} ${t("seats")}`],
      [t("price_vnd"), format.vnd(order.price_vnd)],
      [t("driver"), driver ? `${driver.driver ?? ""} (${driver.plate})` : order.driver_id ?? t("none")],
    ]);
    document.getElementById("order-timeline").replaceChildren(
      ...history.map((event) =>
        element("li", {}, element("time", { text: format.time(event.at) }), ` ${label("order_status", event.to_status)}`, event.reason ? ` — ${event.reason}` : "", event.note ? ` — ${event.note}` : ""),
      ),
    );
    document.getElementById("order-cancel").disabled = !["new", "planned", "offered", "accepted"].includes(order.status);
    document.getElementById("order-suggest").disabled = !OPEN.has(order.status);
    document.getElementById("order-edit").disabled = !OPEN.has(order.status);
    document.getElementById("suggestions").replaceChildren();
    await showProof(order);
    pins.clearLayers();
    const pickup = order.pickup.location.coordinates;
    const dropoff = order.dropoff.location.coordinates;
    L.circleMarker([pickup[1], pickup[0]], { radius: 8, color: "#1a7f37" }).bindTooltip(t("stop_pickup")).addTo(pins);
    L.circleMarker([dropoff[1], dropoff[0]], { radius: 8, color: "#cf222e" }).bindTooltip(t("stop_dropoff")).addTo(pins);
    detail.hidden = false;
  }

  function window_(stop) {
    if (!stop.window_from && !stop.window_to) return "";
    return `(${format.time(stop.window_from)} – ${format.time(stop.window_to)})`;
  }

  async function showProof(order) {
    const box = document.getElementById("order-proof");
    box.replaceChildren();
    if (!["delivered", "failed", "at_dropoff"].includes(order.status)) return;
    try {
      const proof = await api(`/orders/${order.id}/proof`);
      const links = [];
      for (const file of proof.files ?? []) {
        const answer = await api(`/proof-files/${file.id}`, { raw: true });
        const url = URL.createObjectURL(await answer.blob());
        links.push(element("img", { src: url, alt: `${t("proof")} ${file.kind ?? ""}`, class: "proof" }));
      }
      box.append(element("h3", { text: t("proof") }), element("p", { text: [proof.recipient_name, proof.note].filter(Boolean).join(" — ") }), ...links);
    } catch (error) {
      box.append(element("p", { class: "muted", text: describe(error) }));
    }
  }

  document.getElementById("order-close").addEventListener("click", () => {
    detail.hidden = true;
    current = null;
    pins.clearLayers();
  });
  document.getElementById("order-edit").addEventListener("click", () => openForm(current));
  document.getElementById("order-cancel").addEventListener("click", async () => {
    const reason = window.prompt(t("cancel_reason"));
    if (reason === null) return;
    try {
      await api(`/orders/${current.id}/transitions`, { method: "POST", body: { status: "cancelled", note: reason || null } });
      await show(current.id);
      load();
    } catch (error) {
      toast(describe(error), true);
    }
  });

  document.getElementById("order-suggest").addEventListener("click", async () => {
    const list = document.getElementById("suggestions");
    try {
      const answer = await api(`/orders/${current.id}/suggestions?limit=5&explain=true`);
      if (!answer.drivers.length) {
        list.replaceChildren(element("li", { class: "muted", text: t("no_suggestion", { examined: answer.examined }) }));
        return;
      }
      list.replaceChildren(
        ...answer.drivers.map((choice) => {
          const vehicle = context.vehicles?.get(choice.vehicle_id);
          const offer = element("button", { type: "button", text: t("offer"), onclick: () => makeOffer(choice.driver_id) });
          return element("li", { class: "suggestion" },
            element("strong", { text: vehicle?.driver ?? `#${choice.driver_id}` }),
            ` ${choice.plate} · ${format.km(choice.distance_m)} · ${t("eta_minutes", { minutes: Math.ceil(choice.eta_s / 60) })} `, offer);
        }),
      );
    } catch (error) {
      toast(describe(error), true);
    }
  });

  async function makeOffer(driverId) {
    try {
      await api(`/orders/${current.id}/offers`, { method: "POST", body: { driver_id: driverId, deadline_s: 120 } });
      toast(t("offer_sent"));
      await show(current.id);
      load();
    } catch (error) {
      toast(describe(error), true);
    }
  }

  context.showOrder = show;
  context.reloadOrders = load;
}
