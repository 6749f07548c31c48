// Web Push, where the server offers it (GET /push/vapid-key answers 200): offers reach the
// phone as notifications while the app is closed. Without it (404) the app goes on quietly
// with its live channel.
import { api } from "./session.js";

function keyBytes(base64url) {
  const base64 = base64url.replaceAll("-", "+").replaceAll("_", "/");
  const raw = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

/** Subscribe this phone after sign-in; true when the server now pushes to it. */
export async function subscribe() {
  try {
    if (!("serviceWorker" in navigator) || !("PushManager" in window)) return false;
    const answer = await api("/push/vapid-key", { raw: true });
    if (answer.status !== 200) return false;
    const { public_key: key } = await answer.json();
    if ((await Notification.requestPermission()) !== "granted") return false;
    const registration = await navigator.serviceWorker.ready;
    const subscription =
      (await registration.pushManager.getSubscription()) ??
      (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) }));
    await api("/push/subscriptions", { method: "POST", body: subscription.toJSON() });
    return true;
  } catch {
    return false; // no push service in this browser, permission refused, offline…
  }
}

/** Stop pushing to this phone (sign-out). */
export async function unsubscribe() {
  try {
    const registration = await navigator.serviceWorker?.getRegistration("/app/");
    const subscription = await registration?.pushManager.getSubscription();
    if (!subscription) return;
    await api("/push/subscriptions", { method: "DELETE", body: { endpoint: subscription.endpoint } }).catch(() => {});
    await subscription.unsubscribe();
  } catch {
    // nothing to undo
  }
}
