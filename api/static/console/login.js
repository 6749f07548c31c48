// The console's sign-in page: the shared sign-in flow (sign_in.js), then the page the office role
// needs; any other role is turned away here.
import { CONFIG, t, wireLanguageSwitch } from "./common.js";
import { wireSignIn } from "./sign_in.js";

wireLanguageSwitch();
const error = document.getElementById("sign-in-error");

async function openConsole() {
  const me = await (
    await fetch("/api/v1/auth/me", { headers: { Authorization: `Bearer ${sessionStorage.getItem("access_token")}` } })
  ).json();
  if (!["admin", "dispatcher", "director"].includes(me.role)) {
    error.textContent = t("office_only");
    sessionStorage.clear();
    return;
  }
  window.location.assign(me.role === "director" ? "/console/reports" : "/console/");
}

wireSignIn({ language: CONFIG.language, t, open: openConsole });
