// The sign-in flow shared by the console and the members' portal: trade a login and password for
// tokens, then `open()` the page the role needs. The browser keeps the device token a sign-in
// returns and sends it back, so someone guessing at this login elsewhere cannot lock this browser
// out. A password set by someone else (a new account, a reset) must be replaced before anything
// else: the page asks for a new one, then signs in again with it.
import { keepTokens } from "./common.js";

const DEVICE = "coopfleet_device_token";

async function signIn(language, username, password) {
  const body = new URLSearchParams({ username, password });
  const device = localStorage.getItem(DEVICE);
  if (device) body.set("device_token", device);
  const answer = await fetch("/api/v1/auth/token", {
    method: "POST",
    headers: { "Accept-Language": language },
    body,
  });
  if (!answer.ok) return answer;
  const pair = await answer.json();
  if (pair.device_token) localStorage.setItem(DEVICE, pair.device_token);
  keepTokens(pair);
  return pair;
}

// `open(pair, shown)`: go on once signed in; `shown` is the form's error line, for a refusal.
export function wireSignIn({ language, t, open }) {
  const form = document.getElementById("sign-in");
  const error = document.getElementById("sign-in-error");
  const change = document.getElementById("change-password");
  const changeError = document.getElementById("change-password-error");
  let current = null; // the login and the password someone else set, until it is replaced

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const fields = new FormData(form);
    const answer = await signIn(language, fields.get("username"), fields.get("password"));
    if (answer instanceof Response) {
      error.textContent = answer.status === 429 ? t("too_many_attempts") : t("wrong_login");
      return;
    }
    if (answer.must_change_password) {
      current = { username: fields.get("username"), password: fields.get("password") };
      form.hidden = true;
      change.hidden = false;
      change.querySelector("input").focus();
      return;
    }
    await open(answer, error);
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
        "Accept-Language": language,
        "Content-Type": "application/json",
      },
      body: JSON.stringify({ current_password: current.password, new_password: fields.get("new_password") }),
    });
    if (!answer.ok) {
      changeError.textContent = (await answer.json()).message;
      return;
    }
    // a new password signs out every session: sign in again with it
    const again = await signIn(language, current.username, fields.get("new_password"));
    if (again instanceof Response) {
      changeError.textContent = t("wrong_login");
      return;
    }
    current = null;
    await open(again, changeError);
  });
}
