// The phone as the vehicle's tracker while the driver is on shift (in the foreground): fixes
// from the Geolocation API go, in batches, through the outbox to POST /driver/positions, so a
// vehicle without a tracker still moves on the dispatcher's map; fixes taken without signal
// wait in the outbox and go as one batch.
import { queue } from "./sync.js";

const BATCH_MS = 10000; // at most one batch every 10 s while moving (the law asks ≤ 30 s)
const STILL_MS = 5 * 60 * 1000; // and one every 5 minutes while standing still (≤ 15 min)
let watch = null;
let pending = [];
let sentAt = 0;
const listeners = new Set();

/** Call `listener({lon, lat, at})` with each new fix. */
export const onFix = (listener) => listeners.add(listener);

function contract(position) {
  const { latitude, longitude, speed, heading, accuracy } = position.coords;
  const fix = { time: new Date(position.timestamp).toISOString(), lat: latitude, lon: longitude };
  if (speed != null && !Number.isNaN(speed)) fix.speed = Math.round(speed * 3.6 * 10) / 10; // m/s → km/h
  if (heading != null && !Number.isNaN(heading)) fix.heading = Math.round(heading);
  if (accuracy != null) fix.hdop = Math.max(0.5, Math.round((accuracy / 5) * 10) / 10); // a rough hint
  return fix;
}

function send() {
  if (!pending.length) return;
  const positions = pending;
  pending = [];
  sentAt = Date.now();
  queue({ kind: "positions", positions });
}

function received(position) {
  const fix = contract(position);
  for (const listener of listeners) listener({ lon: fix.lon, lat: fix.lat, at: Date.now() });
  pending.push(fix);
  const moving = (fix.speed ?? 0) > 3;
  if (Date.now() - sentAt >= (moving ? BATCH_MS : STILL_MS)) send();
}

/** Follow the phone's position while `onShift`; stop when the shift ends. */
export function follow(onShift) {
  if (onShift && watch === null && "geolocation" in navigator) {
    sentAt = 0; // the first fix of a shift goes at once
    watch = navigator.geolocation.watchPosition(received, () => {}, { enableHighAccuracy: true, maximumAge: 5000 });
  } else if (!onShift && watch !== null) {
    navigator.geolocation.clearWatch(watch);
    watch = null;
    send();
  }
}
