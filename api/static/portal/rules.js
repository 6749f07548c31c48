// The rules page is rendered whole on the server; members also see their own standing.
import { daysLeft, element, memberApi, startMember, t, wireLanguageSwitch } from "./portal.js";
import { label } from "/console/static/common.js";

const article = document.querySelector("article.rules");
if (article.dataset.member === "yes") {
  await startMember();
  const home = await memberApi("/member/home");
  document.getElementById("standing").replaceChildren(
    ...home.vehicles.map((vehicle) => {
      const due = vehicle.papers.filter((paper) => paper.lapsed || paper.soon);
      const faults = Object.entries(vehicle.violations_last_month).filter(([, n]) => n > 0);
      const items = [
        ...due.map((paper) => `${label("document", paper.document)}: ${daysLeft(paper)}`),
        ...faults.map(([kind, n]) => `${label("event", kind)}: ${n}`),
      ];
      return element(
        "div",
        { class: "standing", "data-vehicle": vehicle.id },
        element("strong", { text: vehicle.plate }),
        element("ul", {}, ...(items.length ? items : [t("no_violations")]).map((text) => element("li", { text }))),
      );
    }),
  );
} else {
  wireLanguageSwitch();
}
document.body.dataset.ready = "true";
