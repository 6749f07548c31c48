// Devices heard (admins): what the gateway heard of each tracker or phone in the last hour, which
// vehicle it is on, and the cooperative's vehicles whose device it has not heard — so a mistyped
// IMEI or a tracker pointed at the wrong server shows up here (docs/gateway.md).
import { api, describe, element, format, label, startPage, t, toast } from "./common.js";

await startPage();
const minutes = document.getElementById("heard-minutes");

function cell(text, numeric = false) {
  return element("td", { text: text ?? "–", class: numeric ? "num" : null });
}

async function load() {
  try {
    const answer = await api(`/gateway/devices?minutes=${minutes.value}`);
    document.getElementById("heard-table").tBodies[0].replaceChildren(
      ...answer.items.map((device) =>
        element(
          "tr",
          { class: device.refused ? "flagged" : null, "data-identifier": device.identifier },
          cell(device.identifier),
          cell(label("protocol", device.protocol)),
          cell(device.bound ? device.plate : t("devices_unbound")),
          cell(device.remote_address),
          cell(format.time(device.last_heard_at)),
          cell(format.number(device.messages), true),
          cell(format.number(device.fixes), true),
          cell(format.number(device.refused), true),
          cell(device.last_refusal ? label("refusal", device.last_refusal) : null),
        ),
      ),
    );
    document.getElementById("heard-count").textContent = t("devices_count", {
      shown: format.number(answer.items.length), total: format.number(answer.total),
    });
    document.getElementById("silent-table").tBodies[0].replaceChildren(
      ...answer.silent.map((vehicle) =>
        element("tr", { "data-vehicle": vehicle.vehicle_id }, cell(vehicle.plate), cell(vehicle.tracking_device_id)),
      ),
    );
  } catch (error) {
    toast(describe(error), true);
  }
}

minutes.addEventListener("change", load);
document.getElementById("heard-refresh").addEventListener("click", load);
await load();
document.body.dataset.ready = "true";
