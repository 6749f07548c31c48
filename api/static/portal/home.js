// The member's home: balance, vehicles with papers and days left, this month, their jobs.
import { balanceMeaning, currentMonth, daysLeft, element, format, memberApi, startMember, t } from "./portal.js";
import { label } from "/console/static/common.js";

const me = await startMember();
const home = await memberApi("/member/home");
document.getElementById("member-name").textContent = `${home.full_name} · ${home.member_no}`;
document.getElementById("balance").textContent = format.vnd(home.balance_vnd);
document.getElementById("balance-meaning").textContent = `(${balanceMeaning(home.balance_vnd)})`;
document.getElementById("payment-code").textContent = home.payment_code;
document.getElementById("statement-link").href = `/portal/statement/${me.member_id}?month=${home.month}`;

function violations(counts) {
  const found = Object.entries(counts).filter(([, n]) => n > 0);
  if (!found.length) return t("no_violations");
  return found.map(([kind, n]) => `${label("event", kind)}: ${n}`).join(" · ");
}

document.getElementById("vehicles").replaceChildren(
  ...home.vehicles.map((vehicle) =>
    element(
      "article",
      { class: "card vehicle", "data-vehicle": vehicle.id },
      element("h3", { text: `${vehicle.plate} · ${label("kind", vehicle.kind)}` }),
      element(
        "ul",
        { class: "papers" },
        ...vehicle.papers.map((paper) =>
          element("li", {
            class: paper.lapsed ? "lapsed" : paper.soon ? "soon" : null,
            "data-document": paper.document,
            text: `${label("document", paper.document)}: ${daysLeft(paper)}`,
          }),
        ),
      ),
      element("p", {
        text: `${t("this_month")}: ${t("km")} ${format.number(vehicle.km_this_month, 1)} km · ${t("trips")} ${vehicle.trips_this_month} · ${t("jobs_delivered")} ${vehicle.jobs_this_month}`,
      }),
      element("p", { text: `${t("violations_last_month")}: ${violations(vehicle.violations_last_month)}` }),
    ),
  ),
);

const messages = await memberApi("/member/messages");
document.getElementById("messages").replaceChildren(
  ...(messages.length
    ? messages.map((message) =>
        element(
          "li",
          { "data-message": message.id },
          element("strong", { text: message.title }),
          ` — ${message.body} `,
          element("small", { text: format.time(message.created_at) }),
        ),
      )
    : [element("li", { text: t("no_messages") })]),
);

const jobs = await memberApi(`/member/jobs?month=${currentMonth()}`);
const body = document.querySelector("#jobs tbody");
body.replaceChildren(
  ...(jobs.length
    ? jobs.map((job) =>
        element(
          "tr",
          {},
          element("td", { text: job.reference }),
          element("td", { text: job.plate }),
          element("td", { text: label("order_status", job.status) }),
          element("td", { text: format.vnd(job.price_vnd) }),
          element("td", { text: `${job.pickup_address} → ${job.dropoff_address}` }),
        ),
      )
    : [element("tr", {}, element("td", { text: t("no_jobs") }))]),
);
document.body.dataset.ready = "true";
