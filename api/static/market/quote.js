// The quote form: asks the API, lists each cooperative's price with its breakdown.
const t = JSON.parse(document.getElementById("texts").textContent);
const form = document.getElementById("quote");
const offers = document.getElementById("offers");
const status = document.getElementById("status");
const money = new Intl.NumberFormat(document.documentElement.lang === "en" ? "en-US" : "vi-VN");
const vnd = (amount) => `${money.format(amount)} ₫`;

const tomorrow = new Date(Date.now() + 86400000);
form.day.value = tomorrow.toISOString().slice(0, 10);

function point(value) {
  const [lon, lat] = value.split(",").map(Number);
  return { type: "Point", coordinates: [lon, lat] };
}

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (cls) node.className = cls;
  return node;
}

function render(offer) {
  const item = el("li", undefined, "offer");
  item.append(el("h2", offer.cooperative_name));
  item.append(el("p", `${t.total}: ${vnd(offer.total_vnd)}`, "total"));
  item.append(el("p", offer.feasible ? t.feasible : t.not_feasible, "hint"));
  const lines = el("dl", undefined, "lines");
  for (const line of offer.lines) {
    lines.append(el("dt", t[`line_${line.code}`] || line.code), el("dd", vnd(line.amount_vnd)));
  }
  item.append(lines);
  const until = new Date(offer.expires_at).toLocaleTimeString(document.documentElement.lang, {
    timeZone: "Asia/Ho_Chi_Minh", // the places offered are in Vietnam
  });
  item.append(el("p", `${t.valid_until} ${until}`, "until"));
  return item;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  offers.replaceChildren();
  status.textContent = "…";
  const day = form.day.value;
  const body = {
    pickup: point(form.pickup.value),
    dropoff: point(form.dropoff.value),
    // the times are Vietnam's (the places offered are all in Vietnam)
    window_start: `${day}T${form.from.value}:00+07:00`,
    window_end: `${day}T${form.to.value}:00+07:00`,
    load_kg: Number(form.load_kg.value),
    vehicle_kind: form.vehicle_kind.value,
  };
  const answer = await fetch("/api/v1/market/quotes", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const data = await answer.json();
  if (!answer.ok) {
    status.textContent = `${t.error}: ${data.message || answer.status}`;
    return;
  }
  status.textContent = data.offers.length ? "" : t.none;
  offers.replaceChildren(...data.offers.map(render));
  document.body.dataset.quoted = String(data.offers.length);
});
