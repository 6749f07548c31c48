// Thousands of vehicles on one canvas: one pass per colour, redrawn at most once a frame and only
// when something changed or the map moved. DOM markers would mean 3,000 elements to restyle.
import * as L from "/console/vendor/leaflet/leaflet-src.esm.js";

export const STATUS_COLOURS = {
  moving: "#1a7f37",
  idle: "#d4a72c",
  stopped: "#57606a",
  offline: "#b0b7bf",
  on_job: "#0969da",
};
const RADIUS = 5;
const PADDING = 0.3; // drawn beyond the viewport so a pan shows vehicles, not a blank edge

export class VehicleLayer extends L.Layer {
  constructor({ visible, onSelect }) {
    super();
    this.vehicles = new Map();
    this.visible = visible; // (vehicle) => boolean: the current filter
    this.onSelect = onSelect;
    this.selected = null;
    this.frameRequested = false;
    this.drawn = []; // [x, y, id] of the last drawing, for clicks
  }

  onAdd(map) {
    this.canvas = L.DomUtil.create("canvas", "vehicle-layer leaflet-zoom-hide");
    map.getPane("overlayPane").appendChild(this.canvas);
    map.on("moveend zoomend resize", this.redraw, this);
    map.on("click", this.pick, this);
    this.redraw();
  }

  onRemove(map) {
    map.off("moveend zoomend resize", this.redraw, this);
    map.off("click", this.pick, this);
    this.canvas.remove();
  }

  setVehicles(vehicles) {
    this.vehicles = vehicles;
    this.redraw();
  }

  select(id) {
    this.selected = id;
    this.redraw();
  }

  /** Ask for a drawing on the next animation frame; many asks in one frame draw once. */
  redraw() {
    if (this.frameRequested || !this._map) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.draw();
    });
  }

  draw() {
    const map = this._map;
    if (!map) return;
    const size = map.getSize();
    const pad = size.multiplyBy(PADDING).round();
    const origin = map.containerPointToLayerPoint(pad.multiplyBy(-1));
    const width = size.x + 2 * pad.x;
    const height = size.y + 2 * pad.y;
    const ratio = window.devicePixelRatio || 1;
    if (this.canvas.width !== width * ratio || this.canvas.height !== height * ratio) {
      this.canvas.width = width * ratio;
      this.canvas.height = height * ratio;
      this.canvas.style.width = `${width}px`;
      this.canvas.style.height = `${height}px`;
    }
    L.DomUtil.setPosition(this.canvas, origin);
    const context = this.canvas.getContext("2d");
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);
    const byStatus = new Map();
    const drawn = [];
    for (const vehicle of this.vehicles.values()) {
      if (vehicle.lat == null || !this.visible(vehicle)) continue;
      const point = map.latLngToLayerPoint([vehicle.lat, vehicle.lon]);
      const x = point.x - origin.x;
      const y = point.y - origin.y;
      if (x < -RADIUS || y < -RADIUS || x > width + RADIUS || y > height + RADIUS) continue;
      drawn.push([x + origin.x, y + origin.y, vehicle.id]);
      if (!byStatus.has(vehicle.status)) byStatus.set(vehicle.status, []);
      byStatus.get(vehicle.status).push(x, y);
    }
    context.lineWidth = 1;
    context.strokeStyle = "#ffffff";
    for (const [status, points] of byStatus) {
      context.beginPath();
      for (let i = 0; i < points.length; i += 2) {
        context.moveTo(points[i] + RADIUS, points[i + 1]);
        context.arc(points[i], points[i + 1], RADIUS, 0, 2 * Math.PI);
      }
      context.fillStyle = STATUS_COLOURS[status] ?? "#000000";
      context.fill();
      context.stroke();
    }
    const chosen = this.vehicles.get(this.selected);
    if (chosen && chosen.lat != null) {
      const point = map.latLngToLayerPoint([chosen.lat, chosen.lon]);
      context.beginPath();
      context.arc(point.x - origin.x, point.y - origin.y, RADIUS + 5, 0, 2 * Math.PI);
      context.lineWidth = 3;
      context.strokeStyle = "#cf222e";
      context.stroke();
    }
    this.drawn = drawn;
    this.fire("drawn", { count: drawn.length });
  }

  /** The vehicle under a click, if one is within a few pixels. */
  pick(event) {
    const point = this._map.latLngToLayerPoint(event.latlng);
    let best = null;
    let bestDistance = (RADIUS + 4) ** 2;
    for (const [x, y, id] of this.drawn) {
      const distance = (x - point.x) ** 2 + (y - point.y) ** 2;
      if (distance <= bestDistance) {
        best = id;
        bestDistance = distance;
      }
    }
    if (best != null) this.onSelect(best);
  }
}
