// The driver's session on this phone: the tokens kept across restarts (localStorage), the
// refresh token traded when the access token has expired, sign-in with a password or this
// phone's PIN, sign-out here or everywhere. A network failure is thrown as it is (TypeError):
// the caller treats it as "offline", never as "signed out".
import { ApiError, CONFIG } from "/console/static/common.js";

export const API = "/api/v1";
const ACCESS = "app_access_token";
const REFRESH = "app_refresh_token";
const DEVICE_TOKEN = "coopfleet_device_token"; // the console's key: one known device per browser
const DEVICE_ID = "app_device_id";

const USER = "app_user_id";

export const signedIn = () => localStorage.getItem(REFRESH) !== null;
export const accessToken = () => localStorage.getItem(ACCESS);
/** The signed-in account's id: what the phone keeps for later is tagged with it. */
export const userId = () => Number(localStorage.getItem(USER));
export const rememberUser = (id) => localStorage.setItem(USER, String(id));

function keep(pair) {
  localStorage.setItem(ACCESS, pair.access_token);
  localStorage.setItem(REFRESH, pair.refresh_token);
  if (pair.device_token) localStorage.setItem(DEVICE_TOKEN, pair.device_token);
}

/** Forget the tokens (the device token stays: this phone remains a known device). */
export function forget() {
  localStorage.removeItem(ACCESS);
  localStorage.removeItem(REFRESH);
  localStorage.removeItem(USER);
  window.dispatchEvent(new Event("signed-out"));
}

function deviceId() {
  let id = localStorage.getItem(DEVICE_ID);
  if (!id) {
    id = crypto.randomUUID().replaceAll("-", "");
    localStorage.setItem(DEVICE_ID, id);
  }
  return id;
}

/** Sign in; answers the token pair, or the failed Response (401 wrong, 429 too many). */
export async function signIn(username, password) {
  const form = new URLSearchParams({ username, password, device_id: deviceId() });
  const known = localStorage.getItem(DEVICE_TOKEN);
  if (known) form.set("device_token", known);
  const answer = await fetch(`${API}/auth/token`, {
    method: "POST",
    headers: { "Accept-Language": CONFIG.language },
    body: form,
  });
  if (!answer.ok) return answer;
  const pair = await answer.json();
  keep(pair);
  return pair;
}

let refreshing = null;

/** Trade the refresh token once for everyone waiting; false when the session has ended. */
function refresh() {
  refreshing ??= (async () => {
    try {
      const token = localStorage.getItem(REFRESH);
      if (!token) return false;
      const answer = await fetch(`${API}/auth/refresh`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: token }),
      });
      if (!answer.ok) return false;
      keep(await answer.json());
      return true;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** Call the API as the driver; refreshes the token once; a 401 after that signs out. */
export async function api(path, { method = "GET", body, form, headers = {}, raw = false } = {}) {
  const send = () => {
    const all = { ...headers, Authorization: `Bearer ${accessToken()}`, "Accept-Language": CONFIG.language };
    let payload = form;
    if (body !== undefined) {
      all["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    return fetch(`${API}${path}`, { method, headers: all, body: payload });
  };
  let answer = await send();
  if (answer.status === 401 && (await refresh())) answer = await send();
  if (answer.status === 401) {
    forget();
    throw new ApiError(401, null);
  }
  if (raw) return answer;
  const text = await answer.text();
  const data = text ? JSON.parse(text) : null;
  if (!answer.ok) throw new ApiError(answer.status, data);
  return data;
}

/** Sign out this phone, or every session of the account. */
export async function signOut(everywhere = false) {
  try {
    await api(`/auth/logout${everywhere ? "?everywhere=true" : ""}`, { method: "POST" });
  } finally {
    forget();
  }
}
