// Service worker of the room tablet: keeps the room screen and its scripts so a reload opens without the network.
// The entries waiting to go live in the page's own store (queue.js); this only keeps the shell to show them.
// The page is kept only while the server serves it: a log-in redirect or a refusal drops the copy.
"use strict";

const CACHE = "tuoyu-tablet-{{ version }}";
const ASSETS = {{ assets|tojson }};
const PAGE = /^\/centres\/[^/]+\/rooms\/\d+\/tablet$/;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((name) => name.startsWith("tuoyu-tablet-") && name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && PAGE.test(url.pathname)) {
    event.respondWith(pageFromNetworkFirst(request, url));
  } else if (ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((hit) => hit || fetch(request)));
  }
});

// The page asks to be kept right after its first (uncontrolled) load; it answers on the port it sent.
self.addEventListener("message", (event) => {
  if (!event.data || event.data.type !== "keep-page") return;
  const port = event.ports[0];
  event.waitUntil(keepPage(event.data.url).then((kept) => port && port.postMessage({ kept })));
});

async function keepPage(address) {
  const url = new URL(address);
  if (url.origin !== self.location.origin || !PAGE.test(url.pathname)) return false;
  try {
    const response = await fetch(url.pathname, { credentials: "same-origin", redirect: "manual" });
    if (!response.ok || response.type !== "basic") return false;
    await (await caches.open(CACHE)).put(url.pathname, response);
    return true;
  } catch (error) {
    return false;
  }
}

async function pageFromNetworkFirst(request, url) {
  const cache = await caches.open(CACHE);
  let response;
  try {
    response = await fetch(request);
  } catch (error) {
    const kept = await cache.match(url.pathname);
    if (kept) return kept;
    throw error;
  }
  if (response.ok && response.type === "basic") {
    await cache.put(url.pathname, response.clone());
  } else {
    await cache.delete(url.pathname);  // logged out, refused or gone: no copy of the room stays behind
  }
  return response;
}
