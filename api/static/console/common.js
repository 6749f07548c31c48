// What every console page shares: texts, the signed-in session, calls to the JSON API.

const API = "/api/v1";
const TEXTS = JSON.parse(document.getElementById("texts").textContent);
export const CONFIG = JSON.parse(document.getElementById("config").textContent);
const LOCALE = CONFIG.language === "vi" ? "vi-VN" : "en-GB";

/** The text for a key in the page's language; {name} placeholders filled from `values`. */
export function t(key, values = {}) {
  const text = TEXTS[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

/** A status, kind or document name in the page's language (falls back to the raw value). */
export function label(group, value) {
  return TEXTS[`${group}_${value}`] ?? String(value ?? "");
}

export const format = {
  zone: "Asia/Ho_Chi_Minh",
  number: (value, digits = 0) =>
    value == null ? "–" : Number(value).toLocaleString(LOCALE, { maximumFractionDigits: digits }),
  km: (metres) => (metres == null ? "–" : `${format.number(metres / 1000, 1)} km`),
  vnd: (value) => (value == null ? "–" : `${format.number(value)} ₫`),
  time: (iso) =>
    iso == null
      ? "–"
      : new Date(iso).toLocaleString(LOCALE, { timeZone: format.zone, dateStyle: "short", timeStyle: "medium" }),
  duration: (seconds) => {
    if (seconds == null) return "–";
    const minutes = Math.round(seconds / 60);
    return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")}`;
  },
};

/** A datetime-local value (wall clock in the cooperative's zone) as an ISO UTC instant. */
export function zonedToIso(local) {
  if (!local) return null;
  const guess = new Date(`${local}:00Z`);
  const shown = new Date(guess.toLocaleString("en-US", { timeZone: format.zone }));
  const utcShown = new Date(guess.toLocaleString("en-US", { timeZone: "UTC" }));
  return new Date(guess.getTime() - (shown - utcShown)).toISOString();
}

/** An instant as a datetime-local value in the cooperative's zone. */
export function isoToZoned(date) {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: format.zone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(date);
  const get = (type) => parts.find((part) => part.type === type).value;
  return `${get("year")}-${get("month")}-${get("day")}T${get("hour")}:${get("minute")}`;
}

// --- the session ---------------------------------------------------------------------------

const store = window.sessionStorage;

export function signedIn() {
  return store.getItem("access_token") !== null;
}

export function keepTokens(pair) {
  store.setItem("access_token", pair.access_token);
  store.setItem("refresh_token", pair.refresh_token);
}

export function accessToken() {
  return store.getItem("access_token");
}

export function forgetTokens() {
  store.removeItem("access_token");
  store.removeItem("refresh_token");
}

async function refreshTokens() {
  const refresh = store.getItem("refresh_token");
  if (!refresh) return false;
  const answer = await fetch(`${API}/auth/refresh`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: refresh }),
  });
  if (!answer.ok) return false;
  keepTokens(await answer.json());
  return true;
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.field = body?.field ?? null;
  }
}

/** Call the API as the signed-in user; refreshes the token once, sends to sign-in if that fails. */
export async function api(path, { method = "GET", body, form, raw = false } = {}) {
  const send = () => {
    const headers = { Authorization: `Bearer ${accessToken()}`, "Accept-Language": CONFIG.language };
    let payload;
    if (form) payload = form;
    else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    return fetch(`${API}${path}`, { method, headers, body: payload });
  };
  let answer = await send();
  if (answer.status === 401 && (await refreshTokens())) answer = await send();
  if (answer.status === 401) {
    forgetTokens();
    window.location.assign("/console/login");
    throw new ApiError(401, null);
  }
  if (raw) return answer;
  const text = await answer.text();
  const data = text ? JSON.parse(text) : null;
  if (!answer.ok) throw new ApiError(answer.status, data);
  return data;
}

/** Read a Server-Sent Events stream with the token (EventSource cannot send headers). */
export async function streamEvents(path, onEvent, signal) {
  const answer = await fetch(`${API}${path}`, {
    headers: { Authorization: `Bearer ${accessToken()}` },
    signal,
  });
  if (!answer.ok || !answer.body) throw new ApiError(answer.status, null);
  const reader = answer.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      if (data) onEvent(JSON.parse(data));
    }
  }
}

// --- the page frame ------------------------------------------------------------------------

export function toast(message, isError = false) {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.className = isError ? "show error" : "show";
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (box.className = ""), 5000);
}

/** The error's message in the page's language, with the field at fault. */
export function describe(error) {
  if (error instanceof ApiError && error.body) {
    const detail = error.body.detail && error.body.detail !== error.body.message ? ` — ${error.body.detail}` : "";
    return `${error.body.message}${detail}`;
  }
  return String(error.message ?? error);
}

export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value == null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "text") node.textContent = value;
    else if (name === "style") node.style.cssText = value; // the CSP refuses style attributes
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

export function facts(list, pairs) {
  list.replaceChildren(...pairs.flatMap(([name, value]) => [element("dt", { text: name }), element("dd", { text: value ?? "–" })]));
}

function wireLanguageSwitch() {
  const button = document.getElementById("lang-switch");
  button.addEventListener("click", () => {
    document.cookie = `lang=${button.dataset.lang}; path=/; max-age=31536000; SameSite=Lax`;
    window.location.reload();
  });
}

/** Start a signed-in page: who am I, what may I see. Returns the account (with its role). */
export async function startPage() {
  wireLanguageSwitch();
  if (!signedIn()) {
    window.location.assign("/console/login");
    return new Promise(() => {});
  }
  const me = await api("/auth/me");
  const coop = await api("/cooperative");
  format.zone = coop.time_zone || format.zone;
  document.body.dataset.role = me.role;
  for (const node of document.querySelectorAll("[data-roles]")) {
    if (!node.dataset.roles.split(" ").includes(me.role)) node.hidden = true;
  }
  document.getElementById("who").textContent = `${me.full_name} · ${label("role", me.role)}`;
  document.getElementById("sign-out").addEventListener("click", async () => {
    try {
      await api("/auth/logout", { method: "POST" });
    } finally {
      forgetTokens();
      window.location.assign("/console/login");
    }
  });
  return me;
}

export { wireLanguageSwitch };
