// The members' sign-in: a phone number and password for tokens, then the member's home. A
// password the cooperative set must be replaced first, as in the console.
import { CONFIG, t, wireLanguageSwitch } from "./portal.js";
import { keepTokens, forgetTokens } from "/console/static/common.js";

wireLanguageSwitch();
const form = document.getElementById("sign-in");
const error = document.getElementById("sign-in-error");
const change = document.getElementById("change-password");
const changeError = document.getElementById("change-password-error");
const DEVICE = "coopfleet_device_token";
let current = null; // the phone and the password someone else set, until it is replaced

async function signIn(username, password) {
  const body = new URLSearchParams({ username, password });
  const device = localStorage.getItem(DEVICE);
  if (device) body.set("device_token", device);
  const answer = await fetch("/api/v1/auth/token", { method: "POST", headers: { "Accept-Language": CONFIG.language }, body });
  if (!answer.ok) return answer;
  const pair = await answer.json();
  if (pair.device_token) localStorage.setItem(DEVICE, pair.device_token);
  keepTokens(pair);
  return pair;
}

async function openPortal(pair, shown) {
  const me = await (await fetch("/api/v1/auth/me", { headers: { Authorization: `Bearer ${pair.access_token}` } })).json();
  if (me.role !== "member") {
    forgetTokens();
    shown.textContent = t("portal_members_only");
    return;
  }
  window.location.assign("/portal/");
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  const fields = new FormData(form);
  const pair = await signIn(fields.get("username"), fields.get("password"));
  if (pair instanceof Response) {
    error.textContent = pair.status === 429 ? t("too_many_attempts") : t("wrong_login");
    return;
  }
  if (pair.must_change_password) {
    current = { username: fields.get("username"), password: fields.get("password") };
    form.hidden = true;
    change.hidden = false;
    change.querySelector("input").focus();
    return;
  }
  await openPortal(pair, error);
});

change.addEventListener("submit", async (event) => {
  event.preventDefault();
  changeError.textContent = "";
  const fields = new FormData(change);
  if (fields.get("new_password") !== fields.get("repeat_password")) {
    changeError.textContent = t("passwords_differ");
    return;
  }
  const answer = await fetch("/api/v1/auth/password", {
    method: "POST",
    headers: {
      Authorization: `Bearer ${sessionStorage.getItem("access_token")}`,
      "Accept-Language": CONFIG.language,
      "Content-Type": "application/json",
    },
    body: JSON.stringify({ current_password: current.password, new_password: fields.get("new_password") }),
  });
  if (!answer.ok) {
    changeError.textContent = (await answer.json()).message;
    return;
  }
  // a new password signs out every session: sign in again with it
  const again = await signIn(current.username, fields.get("new_password"));
  if (again instanceof Response) {
    changeError.textContent = t("wrong_login");
    return;
  }
  current = null;
  await openPortal(again, changeError);
});
document.body.dataset.ready = "true";
