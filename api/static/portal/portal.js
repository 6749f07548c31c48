// What every page of the members' portal shares: the console's texts, formats and session
// store (one copy), and calls to the JSON API as the signed-in member.
import { CONFIG, accessToken, element, forgetTokens, format, t, wireLanguageSwitch } from "/console/static/common.js";

export { CONFIG, element, format, t, wireLanguageSwitch };

export class NotFoundError extends Error {}

/** GET the API as the member; a 401 sends to the portal's sign-in, a 404 throws NotFoundError. */
export async function memberApi(path, { raw = false } = {}) {
  const answer = await fetch(`/api/v1${path}`, {
    headers: { Authorization: `Bearer ${accessToken()}`, "Accept-Language": CONFIG.language },
  });
  if (answer.status === 401) {
    forgetTokens();
    window.location.assign("/portal/login");
    throw new Error("signed out");
  }
  if (answer.status === 404) throw new NotFoundError(t("not_found"));
  if (raw) return answer;
  const data = await answer.json();
  if (!answer.ok) throw new Error(data?.message ?? `HTTP ${answer.status}`);
  return data;
}

/** Start a member's page: who am I (a member, else back to sign-in). */
export async function startMember() {
  wireLanguageSwitch();
  if (!accessToken()) {
    window.location.assign("/portal/login");
    return new Promise(() => {});
  }
  const me = await memberApi("/auth/me");
  if (me.role !== "member") {
    forgetTokens();
    window.location.assign("/portal/login");
    return new Promise(() => {});
  }
  document.getElementById("who").textContent = me.full_name;
  document.getElementById("nav-statement").href = `/portal/statement/${me.member_id}`;
  document.getElementById("sign-out").addEventListener("click", async () => {
    await fetch("/api/v1/auth/logout", { method: "POST", headers: { Authorization: `Bearer ${accessToken()}` } });
    forgetTokens();
    window.location.assign("/portal/login");
  });
  return me;
}

/** A balance in words: who owes whom. */
export function balanceMeaning(amount) {
  if (amount > 0) return t("balance_owed");
  if (amount < 0) return t("balance_due");
  return t("balance_even");
}

/** A paper's days left, or how long ago it lapsed. */
export function daysLeft(paper) {
  if (paper.days_left == null) return t("not_recorded");
  if (paper.days_left < 0) return t("expired_days", { days: -paper.days_left });
  return t("days_left", { days: paper.days_left });
}

export function currentMonth() {
  const now = new Date();
  const local = new Intl.DateTimeFormat("en-CA", { timeZone: format.zone, year: "numeric", month: "2-digit" }).format(now);
  return local.slice(0, 7);
}
