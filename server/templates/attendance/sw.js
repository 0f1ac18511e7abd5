// Service worker of the phone pass: keeps the page shell so the pass opens at the door without the network.
// The code itself is made on the phone (key in IndexedDB), so a cached page is a working page.
"use strict";

const CACHE = "tuoyu-pass-{{ version }}";
const PAGE = {{ page|tojson }};
const ASSETS = {{ assets|tojson }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((name) => name.startsWith("tuoyu-pass-") && name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === PAGE) {
    event.respondWith(pageFromNetworkFirst(request));
  } else if (ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
  }
});

// The page asks to be kept right after its first (uncontrolled) load; it answers on the port it sent.
self.addEventListener("message", (event) => {
  if (!event.data || event.data.type !== "keep-page") return;
  const port = event.ports[0];
  event.waitUntil(keepPage(event.data.url).then((kept) => port && port.postMessage({ kept })));
});

async function keepPage(url) {
  const target = new URL(url);
  if (target.origin !== self.location.origin || target.pathname !== PAGE) return false;
  try {
    const response = await fetch(target, { credentials: "same-origin", redirect: "manual" });
    if (!response.ok || response.type !== "basic") return false;
    await (await caches.open(CACHE)).put(target, response);
    return true;
  } catch (error) {
    return false;
  }
}

// Fresh page when the server answers; the last good copy when offline, logged out (the login redirect) or
// the server fails, because the pass does not depend on the session once this phone is enrolled. A 404 means
// the credential is gone: the copy is dropped and the server's page shown.
async function pageFromNetworkFirst(request) {
  const cache = await caches.open(CACHE);
  let response;
  try {
    response = await fetch(request);
  } catch (error) {
    const cached = await cache.match(request, { ignoreVary: true });
    if (cached) return cached;
    throw error;
  }
  if (response.ok && response.type === "basic") {
    await cache.put(request, response.clone());
    return response;
  }
  if (response.type === "opaqueredirect" || response.status >= 500) {
    return (await cache.match(request, { ignoreVary: true })) || response;
  }
  await cache.delete(request, { ignoreVary: true });
  return response;
}
