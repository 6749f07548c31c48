// The members' sign-in: a phone number and password for tokens, then the member's home.
import { CONFIG, t, wireLanguageSwitch } from "./portal.js";
import { keepTokens, forgetTokens } from "/console/static/common.js";

wireLanguageSwitch();
const form = document.getElementById("sign-in");
const error = document.getElementById("sign-in-error");
const DEVICE = "coopfleet_device_token";

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  const fields = new FormData(form);
  const body = new URLSearchParams({ username: fields.get("username"), password: fields.get("password") });
  const device = localStorage.getItem(DEVICE);
  if (device) body.set("device_token", device);
  const answer = await fetch("/api/v1/auth/token", { method: "POST", headers: { "Accept-Language": CONFIG.language }, body });
  if (!answer.ok) {
    error.textContent = answer.status === 429 ? t("too_many_attempts") : t("wrong_login");
    return;
  }
  const pair = await answer.json();
  if (pair.device_token) localStorage.setItem(DEVICE, pair.device_token);
  keepTokens(pair);
  if (pair.must_change_password) {
    error.textContent = t("portal_change_password");
    return;
  }
  const me = await (await fetch("/api/v1/auth/me", { headers: { Authorization: `Bearer ${pair.access_token}` } })).json();
  if (me.role !== "member") {
    forgetTokens();
    error.textContent = t("portal_members_only");
    return;
  }
  window.location.assign("/portal/");
});
document.body.dataset.ready = "true";
