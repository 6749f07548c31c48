// The members' sign-in: the console's sign-in flow (a phone number and password for tokens, a
// password the cooperative set replaced first), then the member's home.
import { CONFIG, t, wireLanguageSwitch } from "./portal.js";
import { forgetTokens } from "/console/static/common.js";
import { wireSignIn } from "/console/static/sign_in.js";

wireLanguageSwitch();

async function openPortal(pair, shown) {
  const me = await (await fetch("/api/v1/auth/me", { headers: { Authorization: `Bearer ${pair.access_token}` } })).json();
  if (me.role !== "member") {
    forgetTokens();
    shown.textContent = t("portal_members_only");
    return;
  }
  window.location.assign("/portal/");
}

wireSignIn({ language: CONFIG.language, t, open: openPortal });
document.body.dataset.ready = "true";
