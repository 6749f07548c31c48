// Sending what the outbox holds: each kind of item as its API request with its Idempotency-Key,
// retried when the signal returns (the browser's "online" event, and every 20 s meanwhile). The
// bar shows what is still waiting; the driver can open the list.
import { describe, label, t, toast } from "/console/static/common.js";
import * as outbox from "./outbox.js";
import { api } from "./session.js";

function request(item) {
  const headers = { "Idempotency-Key": item.key };
  if (item.kind === "step") {
    return api(`/driver/jobs/${item.order_id}/steps`, { method: "POST", body: item.body, headers });
  }
  if (item.kind === "proof") {
    const form = new FormData();
    if (item.photo) form.append("photos", item.photo, "photo.jpg");
    if (item.signature) form.append("signature", item.signature, "signature.png");
    if (item.recipient_name) form.append("recipient_name", item.recipient_name);
    return api(`/driver/jobs/${item.order_id}/proof`, { method: "POST", form, headers });
  }
  return api("/driver/positions", { method: "POST", body: { positions: item.positions }, headers });
}

/** How an item reads in the waiting list. */
export function describeItem(item) {
  if (item.kind === "step") {
    return t("queued_step", { status: label("order_status", item.body.status), reference: item.reference });
  }
  if (item.kind === "proof") return t("queued_proof", { reference: item.reference });
  return t("queued_positions", { count: item.positions.length });
}

const sentListeners = new Set();
/** Call `listener(item, taken)` after each item the server has taken (or refused for good). */
export const onSent = (listener) => sentListeners.add(listener);

async function sendOne(item) {
  await request(item);
  for (const listener of sentListeners) listener(item, true);
}

function refused(item, error) {
  toast(t("send_refused", { message: `${describeItem(item)} — ${describe(error)}` }), true);
  for (const listener of sentListeners) listener(item, false);
}

/** Try to send everything now; resolves true when nothing is left waiting. */
export const sendNow = () => outbox.flush(sendOne, refused);

/** Keep an item and try to send it at once. */
export async function queue(item) {
  const made = await outbox.add(item);
  sendNow();
  return made;
}

function showWaiting(items) {
  const button = document.getElementById("outbox-count");
  const list = document.getElementById("outbox-items");
  button.hidden = items.length === 0;
  button.textContent = t("waiting_to_send", { count: items.length });
  list.replaceChildren(
    ...items.map((item) => {
      const row = document.createElement("li");
      row.dataset.kind = item.kind;
      row.textContent = describeItem(item);
      return row;
    }),
  );
  if (!items.length) document.getElementById("outbox").hidden = true;
}

function showLink() {
  document.getElementById("offline-banner").hidden = navigator.onLine;
  document.body.classList.toggle("offline", !navigator.onLine);
}

/** Show the waiting items and send them whenever the signal returns. */
export async function start() {
  outbox.onChange(showWaiting);
  showWaiting(await outbox.waiting());
  document.getElementById("outbox-count").addEventListener("click", () => {
    const box = document.getElementById("outbox");
    box.hidden = !box.hidden;
  });
  showLink();
  window.addEventListener("offline", showLink);
  window.addEventListener("online", () => {
    showLink();
    sendNow();
  });
  setInterval(sendNow, 20000);
  sendNow();
}
