// The driver app's service worker: it keeps the app's shell (page, modules, styles, Leaflet)
// for offline use and shows offers pushed while the app is closed. The API is never cached
// here: what the app did offline waits in its own outbox (IndexedDB), not in this worker.
const VERSION = "__VERSION__";
const FILES = __FILES__;
const CACHE = `coopfleet-app-${VERSION}`;
const SHELL = "/app/";
const KEPT = new Set(FILES);

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(FILES.map((path) => new Request(path, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith("coopfleet-app-") && name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

// The shell from the cache first (it opens at once, with or without signal) and refreshed in
// the background for the next start; the modules, styles and Leaflet from the cache alone (a
// new release is a new worker with a new cache); anything else passes through to the network.
self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === SHELL) {
    event.respondWith(fromCache(event, SHELL, true));
  } else if (url.pathname !== SHELL && KEPT.has(url.pathname)) {
    event.respondWith(fromCache(event, url.pathname, false));
  }
});

async function fromCache(event, key, refresh) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(key);
  if (kept && !refresh) return kept;
  const fresh = fetch(key).then((answer) => {
    if (answer.ok) cache.put(key, answer.clone());
    return answer;
  });
  if (!kept) return fresh;
  event.waitUntil(fresh.catch(() => null));
  return kept;
}

// An offer pushed while the app is closed: {kind, title, body, url, tag}.
self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = { title: event.data?.text() ?? "" };
  }
  const title = message.title || "coopfleet";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: message.body ?? "",
      tag: message.tag ?? message.kind ?? "coopfleet",
      renotify: Boolean(message.tag),
      requireInteraction: message.kind === "offer",
      vibrate: [400, 150, 400],
      icon: "/app/static/icon.svg",
      data: { url: message.url ?? "/app/#offers" },
    }),
  );
});

// A tap on the notification: bring the app forward at the offer (or open it).
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL(event.notification.data?.url ?? "/app/#offers", self.location.origin);
  if (target.origin !== self.location.origin) return;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => new URL(client.url).pathname.startsWith("/app/"));
      if (open) return open.navigate(target.href).then((client) => (client ?? open).focus());
      return self.clients.openWindow(target.href);
    }),
  );
});
