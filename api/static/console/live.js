// The live feed: one WebSocket, a snapshot then only changes; reconnects by itself.
import { accessToken, api } from "./common.js";

export class LiveFeed {
  constructor({ onVehicles, onOrders, onState }) {
    this.vehicles = new Map();
    this.onVehicles = onVehicles; // (changed ids: Set) => void
    this.onOrders = onOrders; // (orders: [{id, status, driver_id, vehicle_id}]) => void
    this.onState = onState; // ("live" | "reconnecting") => void
    this.retry = 1000;
    this.bytes = 0;
    this.messages = 0;
  }

  connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    // the token travels as a subprotocol, so it never appears in a URL or an access log
    const socket = new WebSocket(`${scheme}://${window.location.host}/api/v1/live/ws`, ["bearer", accessToken()]);
    this.socket = socket;
    socket.addEventListener("message", (event) => {
      this.bytes += event.data.length;
      this.messages += 1;
      this.receive(JSON.parse(event.data));
      this.retry = 1000;
    });
    socket.addEventListener("open", () => this.onState("live"));
    socket.addEventListener("close", async (event) => {
      this.onState("reconnecting");
      if (event.code === 4401) {
        await api("/auth/me").catch(() => null); // refreshes the token, or goes to sign-in
      }
      setTimeout(() => this.connect(), this.retry);
      this.retry = Math.min(this.retry * 2, 30000);
    });
  }

  receive(message) {
    const changed = new Set();
    if (message.type === "snapshot") {
      this.fields = message.fields;
      this.moveFields = message.move_fields;
      this.vehicles.clear();
      for (const row of message.vehicles) this.apply(this.fields, row, changed);
    } else {
      for (const row of message.full ?? []) this.apply(this.fields, row, changed);
      for (const row of message.moves ?? []) this.apply(this.moveFields, row, changed);
      if (message.orders?.length) this.onOrders(message.orders);
    }
    if (changed.size || message.type === "snapshot") this.onVehicles(changed, message.type === "snapshot");
  }

  apply(fields, row, changed) {
    const id = row[0];
    const vehicle = this.vehicles.get(id) ?? { id };
    fields.forEach((name, index) => (vehicle[name] = row[index]));
    this.vehicles.set(id, vehicle);
    changed.add(id);
  }
}
