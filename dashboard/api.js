import { decodeJson } from "./json-codec.js";

/** The access token from the page URL (?token=), kept for this tab; null when the server needs none. */
export function accessToken() {
  const fromUrl = new URLSearchParams(location.search).get("token");
  if (fromUrl) sessionStorage.setItem("hpo-token", fromUrl);
  return fromUrl ?? sessionStorage.getItem("hpo-token");
}

/** GETs a REST path of the server and decodes its JSON (throws with the server's message on errors). */
export async function api(path) {
  const token = accessToken();
  const res = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const body = decodeJson(await res.text());
  if (!res.ok) throw new Error(body?.error ?? `${res.status} ${res.statusText}`);
  return body;
}

/** The WebSocket URL of the feed. */
export function feedUrl() {
  const token = accessToken();
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ""}`;
}

/** PUTs JSON to a REST path; resolves to the status and decoded body (errors included, for the caller to show). */
export async function putJson(path, body) {
  const token = accessToken();
  const res = await fetch(path, {
    method: "PUT",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: decodeJson(await res.text()) };
}
