// The driver app's entry: which screen shows (the address's fragment: #shift, #offers, #route,
// #job/<id>, #account), sign-in, the service worker that keeps the app for offline use, and
// the parts that run once the driver is signed in. Only what draws the route comes with the
// page (six files: one round of requests on a phone's six connections); the rest is imported
// once the route is on the screen.
import { describe, format, t, toast } from "/console/static/common.js";
import * as outbox from "./outbox.js";
import * as route from "./route.js";
import { api, rememberUser, signIn, signOut, signedIn } from "./session.js";

const SCREENS = ["shift", "offers", "route", "job", "account"];
let parts = null; // the modules loaded after the first screen
let loaded = null; // …once they are

function loadParts() {
  parts ??= Promise.all(
    ["job", "offers", "position", "push", "shift", "sync"].map((name) => import(`./${name}.js`)),
  ).then(([job, offers, position, push, shift, sync]) => {
    job.start();
    outbox.onChange(() => job.render()); // after the route has counted the waiting steps
    loaded = { job, offers, position, push, shift, sync };
    return loaded;
  });
  return parts;
}

async function show() {
  const [asked, id] = window.location.hash.slice(1).split("/");
  let name = signedIn() ? (SCREENS.includes(asked) ? asked : "route") : "signin";
  if (name === "job" && !(await loadParts()).job.open(Number(id))) name = "route";
  for (const section of document.querySelectorAll(".screen")) section.hidden = section.id !== `screen-${name}`;
  document.getElementById("tabs").hidden = name === "signin";
  for (const link of document.querySelectorAll("#tabs a")) {
    if (link.getAttribute("href") === `#${name}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.body.dataset.screen = name;
}

function rerender() {
  route.render();
  loaded?.job.render();
  loaded?.shift.redraw();
}

/** The service worker, once the first screen has its data: its install downloads the whole
 *  shell and Leaflet, which must not compete with the route on a slow network. */
function registerWorker() {
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" });
}

let running = false;

/** Start what needs the driver's session (once per page): the route first. */
async function startSignedIn() {
  if (running) return;
  running = true;
  await route
    .reload()
    .then(rerender)
    .catch(() => {}); // without signal the kept route stays
  registerWorker();
  const { offers, position, shift, sync, job } = await loadParts();
  shift.onHome((home) => position.follow(Boolean(home.shift)));
  position.onFix((fix) => {
    job.setPosition(fix);
    route.setPosition(fix);
  });
  sync.onSent((item, taken) => {
    if (item.kind === "step" && taken) route.setStatus(item.order_id, item.body.status);
    rerender();
  });
  offers.onJobsChanged(() => route.reload().then(rerender).catch(() => {}));
  readZone();
  sync.start();
  shift.start();
  offers.start();
}

const ZONE = "app_zone";

/** Times show in the cooperative's zone (kept for the next start, with or without signal). */
async function readZone() {
  try {
    const { time_zone: zone } = await api("/cooperative");
    if (!zone || zone === format.zone) return;
    format.zone = zone;
    localStorage.setItem(ZONE, zone);
    rerender();
  } catch {
    // without signal the kept zone stays
  }
}

async function onSignIn(event) {
  event.preventDefault();
  const error = document.getElementById("sign-in-error");
  error.textContent = "";
  const fields = new FormData(event.target);
  let answer;
  try {
    answer = await signIn(fields.get("username").trim(), fields.get("password"));
  } catch {
    error.textContent = t("offline");
    return;
  }
  if (answer instanceof Response) {
    error.textContent = answer.status === 429 ? t("too_many_attempts") : t("wrong_login");
    return;
  }
  const me = await api("/auth/me");
  rememberUser(me.id);
  if (me.role !== "driver") {
    await signOut();
    error.textContent = t("drivers_only");
    return;
  }
  if (answer.must_change_password) {
    error.textContent = t("change_password_first");
    return;
  }
  event.target.reset();
  window.location.hash = "#shift";
  await show();
  startSignedIn();
  (await loadParts()).push.subscribe();
}

async function onPin(event) {
  event.preventDefault();
  const fields = new FormData(event.target);
  const error = document.getElementById("pin-error");
  error.textContent = "";
  try {
    await api("/driver/pin", { method: "POST", body: { password: fields.get("password"), pin: fields.get("pin") } });
    event.target.reset();
    toast(t("pin_saved"));
  } catch (failure) {
    error.textContent = describe(failure);
  }
}

async function leave(everywhere) {
  await (await loadParts()).push.unsubscribe();
  await signOut(everywhere).catch(() => {});
}

/** The language is a cookie the shell is rendered with: refresh the kept shell, then reload. */
async function switchLanguage(event) {
  document.cookie = `lang=${event.currentTarget.dataset.lang}; path=/; max-age=31536000; SameSite=Lax`;
  try {
    const cache = await caches.open(`coopfleet-app-${document.body.dataset.version}`);
    await cache.put("/app/", await fetch("/app/", { cache: "reload" }));
  } catch {
    // offline: the kept shell stays in the old language until the signal returns
  }
  window.location.reload();
}

function boot() {
  format.zone = localStorage.getItem(ZONE) ?? format.zone;
  if (!signedIn()) registerWorker();
  document.getElementById("lang-switch").addEventListener("click", switchLanguage);
  document.getElementById("sign-in").addEventListener("submit", onSignIn);
  document.getElementById("pin-form").addEventListener("submit", onPin);
  document.getElementById("sign-out").addEventListener("click", () => leave(false));
  document.getElementById("sign-out-everywhere").addEventListener("click", () => leave(true));
  window.addEventListener("hashchange", show);
  window.addEventListener("signed-out", () => {
    route.forget();
    // what the driver's screens kept (shift.js, offers.js); the outbox keeps their own items
    for (const key of ["app_home", "app_last_message_id", "app_offer_details", ZONE]) localStorage.removeItem(key);
    if (document.body.dataset.screen === "signin") return; // an office account turned away
    window.location.hash = "";
    window.location.reload();
  });
  route
    .start()
    .then(show)
    .then(() => {
      document.body.dataset.ready = "";
    });
  if (signedIn()) startSignedIn();
}

boot();
