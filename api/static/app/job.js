// The job flow: one big button for the next step (arrived, picked up, delivered…), failure with
// a reason, and the proof form at a stop. Each step is stamped with the phone's time and last
// position and goes through the outbox, so it counts even without signal.
import { label, t, toast } from "/console/static/common.js";
import { downscale, signaturePad } from "./proof.js";
import * as route from "./route.js";
import { queue } from "./sync.js";

const AT_A_STOP = new Set(["at_pickup", "picked_up", "at_dropoff"]);
let job = null;
let photo = null;
let pad = null;
let lastFix = null;

/** The latest position of the phone, to stamp steps with. */
export function setPosition(fix) {
  lastFix = fix;
}

function location() {
  if (!lastFix || Date.now() - lastFix.at > 5 * 60 * 1000) return null;
  return { type: "Point", coordinates: [lastFix.lon, lastFix.lat] };
}

async function step(status, extra = {}) {
  const body = { status, device_time: new Date().toISOString(), location: location(), ...extra };
  await queue({ kind: "step", order_id: job.id, reference: job.reference, body });
  toast(t("step_saved", { status: label("order_status", status) }));
  render();
}

function resetProof() {
  const form = document.getElementById("proof");
  form.reset();
  photo = null;
  document.getElementById("photo-preview").hidden = true;
  pad.clear();
}

export function render() {
  if (!job) return;
  job = route.find(job.id) ?? job; // the route may have been read again meanwhile
  const status = route.statusOf(job);
  const next = route.NEXT[status];
  document.getElementById("job-title").textContent = `${job.reference} · ${job.customer_name}`;
  document.getElementById("job-status").textContent = label("order_status", status);
  const stop = route.stopOf(job);
  document.getElementById("job-stop").replaceChildren(route.stopBlock(stop === job.pickup ? "pickup" : "dropoff", stop));
  const button = document.getElementById("job-next");
  button.hidden = !next;
  button.dataset.step = next ?? "";
  button.textContent = next ? t(`step_${next}`) : "";
  document.getElementById("job-done").hidden = Boolean(next);
  document.getElementById("job-fail").hidden = !next;
  document.getElementById("proof").hidden = !AT_A_STOP.has(status);
  const needed = [job.requires_photo && t("photo"), job.requires_signature && t("signature")].filter(Boolean);
  document.getElementById("proof-needed").textContent = needed.length ? t("proof_needed", { what: needed.join(", ") }) : "";
}

/** Show the job `id` (from the kept route). */
export function open(id) {
  const found = route.find(id);
  if (!found) return false;
  if (job?.id !== found.id) {
    job = found;
    resetProof();
  }
  job = found;
  render();
  return true;
}

export function start() {
  pad = signaturePad(document.getElementById("signature-pad"));
  document.getElementById("signature-clear").addEventListener("click", () => pad.clear());
  document.getElementById("job-back").addEventListener("click", () => (window.location.hash = "#route"));
  document.getElementById("job-next").addEventListener("click", (event) => step(event.currentTarget.dataset.step));
  document.getElementById("photo-input").addEventListener("change", async (event) => {
    const [file] = event.target.files;
    if (!file) return;
    photo = await downscale(file);
    const preview = document.getElementById("photo-preview");
    preview.src = photo.preview;
    preview.hidden = false;
  });
  document.getElementById("proof").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!photo && pad.isEmpty()) {
      toast(t("proof_empty"), true);
      return;
    }
    const item = { kind: "proof", order_id: job.id, reference: job.reference };
    if (photo) item.photo = photo.blob;
    if (!pad.isEmpty()) item.signature = await pad.toBlob();
    const name = event.target.elements.recipient_name.value.trim();
    if (name) item.recipient_name = name;
    await queue(item);
    toast(t("proof_saved"));
    resetProof();
  });
  document.getElementById("fail-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const fields = event.target.elements;
    document.getElementById("job-fail").open = false;
    step("failed", { reason: fields.reason.value, note: fields.note.value.trim() || null });
  });
}
