// A month of the member's account: opening balance, every entry, closing balance, and the PDF.
import { balanceMeaning, currentMonth, element, format, memberApi, NotFoundError, startMember, t } from "./portal.js";

await startMember();
const section = document.getElementById("statement");
const member = section.dataset.member;
const picker = document.getElementById("month");
const problem = document.getElementById("statement-error");
picker.value = new URLSearchParams(window.location.search).get("month") || currentMonth();

async function show() {
  problem.textContent = "";
  try {
    const statement = await memberApi(`/ledger/members/${member}/statement?month=${picker.value}&lang=${document.documentElement.lang}`);
    const facts = [
      [t("opening"), format.vnd(statement.opening_vnd)],
      [t("debit"), format.vnd(statement.debits_vnd)],
      [t("credit"), format.vnd(statement.credits_vnd)],
      [t("closing"), `${format.vnd(statement.closing_vnd)} (${balanceMeaning(statement.closing_vnd)})`],
      [t("payment_code"), statement.payment_code],
    ];
    document.getElementById("statement-facts").replaceChildren(
      ...facts.flatMap(([name, value]) => [element("dt", { text: name }), element("dd", { text: value, "data-fact": name })]),
    );
    document.querySelector("#statement-lines tbody").replaceChildren(
      ...statement.lines.map((line) =>
        element(
          "tr",
          {},
          element("td", { text: line.posted_on }),
          element("td", { text: line.reason ? `${line.memo} (${line.reason})` : line.memo }),
          element("td", { text: line.debit_vnd ? format.vnd(line.debit_vnd) : "" }),
          element("td", { text: line.credit_vnd ? format.vnd(line.credit_vnd) : "" }),
          element("td", { text: format.vnd(line.balance_vnd) }),
        ),
      ),
    );
    section.dataset.closing = String(statement.closing_vnd);
  } catch (error) {
    problem.textContent = error instanceof NotFoundError ? t("not_found") : String(error.message);
    section.dataset.closing = "";
    document.querySelector("#statement-lines tbody").replaceChildren();
    document.getElementById("statement-facts").replaceChildren();
  }
  document.body.dataset.ready = "true";
}

picker.addEventListener("change", show);
document.getElementById("download-pdf").addEventListener("click", async () => {
  const answer = await memberApi(`/ledger/members/${member}/statement?month=${picker.value}&format=pdf`, { raw: true });
  const link = element("a", { href: URL.createObjectURL(await answer.blob()), download: `sao-ke-${picker.value}.pdf` });
  link.click();
});
await show();
