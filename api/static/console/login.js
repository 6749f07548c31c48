// The sign-in page: trade a login and password for tokens, then open the page the role needs.
import { CONFIG, keepTokens, t, wireLanguageSwitch } from "./common.js";

wireLanguageSwitch();
const form = document.getElementById("sign-in");
const error = document.getElementById("sign-in-error");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  const answer = await fetch("/api/v1/auth/token", {
    method: "POST",
    headers: { "Accept-Language": CONFIG.language },
    body: new URLSearchParams(new FormData(form)),
  });
  if (!answer.ok) {
    error.textContent = answer.status === 429 ? t("too_many_attempts") : t("wrong_login");
    return;
  }
  keepTokens(await answer.json());
  const me = await (
    await fetch("/api/v1/auth/me", { headers: { Authorization: `Bearer ${sessionStorage.getItem("access_token")}` } })
  ).json();
  if (!["admin", "dispatcher", "director"].includes(me.role)) {
    error.textContent = t("office_only");
    sessionStorage.clear();
    return;
  }
  window.location.assign(me.role === "director" ? "/console/reports" : "/console/");
});
