// Offers, live: the driver's push channel (WebSocket, resumed after the last message id seen,
// kept across restarts) wakes the screen; the open offers themselves come from /driver/offers.
// A new offer rings (Web Audio) and vibrates; each card counts down to its deadline.
import { ApiError, describe, element, format, t, toast } from "/console/static/common.js";
import { accessToken, api } from "./session.js";

const LAST_ID = "app_last_message_id";
const DETAILS = "app_offer_details"; // offer id -> what its message said (addresses, price)
const rung = new Set();
let offers = [];
let socket = null;
let retryMs = 1000;
let audio = null;
const jobListeners = new Set();

/** Call `listener()` when a message says my jobs changed (an offer accepted, a job cancelled). */
export const onJobsChanged = (listener) => jobListeners.add(listener);

const details = () => JSON.parse(localStorage.getItem(DETAILS) ?? "{}");

function remember(message) {
  if (message.kind !== "offer") return;
  const all = details();
  all[message.payload.offer_id] = message.payload;
  const ids = Object.keys(all).map(Number).sort((a, b) => b - a).slice(0, 50); // the newest 50
  localStorage.setItem(DETAILS, JSON.stringify(Object.fromEntries(ids.map((id) => [id, all[id]]))));
}

/** Sound needs a tap first in a browser: the first tap anywhere unlocks it. */
function unlockSound() {
  audio ??= new AudioContext();
  if (audio.state === "suspended") audio.resume();
}

function ring() {
  navigator.vibrate?.([400, 150, 400, 150, 400]);
  if (!audio || audio.state !== "running") return;
  for (const [at, pitch] of [[0, 880], [0.25, 660], [0.5, 880]]) {
    const tone = audio.createOscillator();
    const volume = audio.createGain();
    tone.frequency.value = pitch;
    volume.gain.value = 0.3;
    tone.connect(volume).connect(audio.destination);
    tone.start(audio.currentTime + at);
    tone.stop(audio.currentTime + at + 0.2);
  }
}

function secondsLeft(offer) {
  return Math.max(0, Math.round((new Date(offer.deadline) - Date.now()) / 1000));
}

function card(offer) {
  const said = details()[offer.id] ?? {};
  const left = element("p", { class: "countdown", "data-deadline": offer.deadline, text: t("answer_within", { seconds: secondsLeft(offer) }) });
  return element(
    "li",
    { class: "card offer", "data-offer": offer.id },
    element("h2", { text: t("offer_title", { price: format.vnd(said.price_vnd) }) }),
    element("p", {}, element("strong", { text: `${t("offer_from")}: ` }), said.pickup_address ?? `#${offer.order_id}`),
    element("p", {}, element("strong", { text: `${t("offer_to")}: ` }), said.dropoff_address ?? ""),
    left,
    element(
      "div",
      { class: "actions" },
      element("button", { type: "button", class: "big primary", onclick: () => answer(offer, true), text: t("accept") }),
      element("button", { type: "button", class: "big", onclick: () => answer(offer, false), text: t("decline") }),
    ),
  );
}

function render() {
  offers = offers.filter((offer) => secondsLeft(offer) > 0);
  document.getElementById("offer-list").replaceChildren(...offers.map(card));
  document.getElementById("no-offers").hidden = offers.length > 0;
  document.getElementById("offer-count").textContent = offers.length ? String(offers.length) : "";
}

function countDown() {
  let gone = false;
  for (const node of document.querySelectorAll("#offer-list .countdown")) {
    const seconds = secondsLeft({ deadline: node.dataset.deadline });
    node.textContent = t("answer_within", { seconds });
    gone ||= seconds === 0;
  }
  if (gone) render();
}

async function answer(offer, accept) {
  try {
    await api(`/driver/offers/${offer.id}/${accept ? "accept" : "decline"}`, { method: "POST" });
    if (accept) {
      toast(t("accepted"));
      for (const listener of jobListeners) listener();
      window.location.hash = "#route";
    }
  } catch (error) {
    if (!(error instanceof ApiError)) toast(t("offline"), true); // an answer needs the signal
    else toast(error.status === 409 ? t("offer_gone") : describe(error), true);
  }
  await reload();
}

/** Read the open offers; ring for any not seen before. */
export async function reload() {
  offers = await api("/driver/offers");
  const fresh = offers.filter((offer) => !rung.has(offer.id));
  for (const offer of fresh) rung.add(offer.id);
  render();
  if (fresh.length) {
    ring();
    if (document.visibilityState === "visible" && window.location.hash !== "#offers") window.location.hash = "#offers";
  }
}

function liveState(on) {
  document.getElementById("live-state").textContent = on ? t("live_on") : t("live_off");
  document.body.classList.toggle("live", on);
}

function received(message) {
  localStorage.setItem(LAST_ID, String(message.id));
  remember(message);
  if (message.kind === "offer") reload().catch(() => {});
  else for (const listener of jobListeners) listener();
}

async function connect() {
  try {
    await reload(); // also renews the access token the socket signs in with
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return; // signed out
  }
  const after = localStorage.getItem(LAST_ID) ?? "0";
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const url = `${scheme}://${location.host}/api/v1/driver/messages/ws?token=${encodeURIComponent(accessToken())}&after_id=${after}`;
  socket = new WebSocket(url);
  socket.onopen = () => {
    retryMs = 1000;
    liveState(true);
  };
  socket.onmessage = (event) => received(JSON.parse(event.data));
  socket.onclose = (event) => {
    liveState(false);
    socket = null;
    if (event.code === 4429) retryMs = 30000;
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 30000);
  };
}

export function start() {
  document.addEventListener("pointerdown", unlockSound, { once: true });
  setInterval(countDown, 1000);
  window.addEventListener("online", () => {
    if (socket === null) connect();
  });
  liveState(false);
  connect();
}
