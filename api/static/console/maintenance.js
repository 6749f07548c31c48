// The fleet page's maintenance panel: tasks due soon or overdue (from GET /maintenance/due),
// opening a work order from one, and the open work orders with a button to close each.
import { api, describe, element, format, t, toast } from "./common.js";

const EDITORS = ["admin", "dispatcher"];
const dueBody = document.querySelector("#maintenance-due tbody");
const ordersBody = document.querySelector("#work-orders tbody");

function editor() {
  return EDITORS.includes(document.body.dataset.role);
}

async function openOrder(item) {
  try {
    const order = await api("/work-orders", {
      method: "POST",
      body: { vehicle_id: item.vehicle_id, task_id: item.task_id },
    });
    toast(t("maint_opened_toast", { id: order.id }));
    await load();
  } catch (error) {
    toast(describe(error), true);
  }
}

async function closeOrder(order) {
  try {
    await api(`/work-orders/${order.id}/close`, { method: "POST", body: {} });
    toast(t("maint_closed_toast", { id: order.id }));
    await load();
  } catch (error) {
    toast(describe(error), true);
  }
}

function dueRow(item) {
  let action = null;
  if (item.open_work_order_id != null) action = t("maint_in_hand", { id: item.open_work_order_id });
  else if (editor()) action = element("button", { type: "button", class: "open-order", onclick: () => openOrder(item) }, t("maint_open"));
  return element(
    "tr",
    { class: item.state === "overdue" ? "flagged" : "", "data-state": item.state, "data-vehicle": item.vehicle_id },
    element("td", { text: item.plate }),
    element("td", { text: item.task }),
    element("td", { class: "state", text: t(`maint_state_${item.state}`) }),
    element("td", { text: item.reason ?? "–" }),
    element("td", {}, action),
  );
}

function orderRow(order) {
  const close = editor()
    ? element("button", { type: "button", class: "close-order", onclick: () => closeOrder(order) }, t("maint_close"))
    : null;
  return element(
    "tr",
    { "data-order": order.id },
    element("td", { text: order.plate }),
    element("td", { text: order.title }),
    element("td", { text: order.garage ?? "–" }),
    element("td", { text: format.time(order.opened_at) }),
    element("td", { class: "num", text: format.vnd(order.total_vnd) }),
    element("td", {}, close),
  );
}

async function load() {
  try {
    const [due, orders] = await Promise.all([api("/maintenance/due"), api("/work-orders?status=open")]);
    dueBody.replaceChildren(...due.map(dueRow));
    document.getElementById("maintenance-empty").hidden = due.length > 0;
    ordersBody.replaceChildren(...orders.map(orderRow));
    document.getElementById("work-orders-empty").hidden = orders.length > 0;
    document.getElementById("maintenance").dataset.loaded = "true";
  } catch (error) {
    toast(describe(error), true);
  }
}

// the page's own module signs in and sets the role first
const started = new MutationObserver(() => {
  if (document.body.dataset.role) {
    started.disconnect();
    load();
  }
});
if (document.body.dataset.role) load();
else started.observe(document.body, { attributes: true, attributeFilter: ["data-role"] });
