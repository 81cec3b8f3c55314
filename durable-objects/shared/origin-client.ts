/**
 * The edge's only way to talk to origin: signed HTTP calls (protocol.md, "Edge → origin").
 * A batch counts as delivered only on a 2xx, which origin gives after Kafka acknowledged every event.
 */
import { fail, ok, signRequest, type HistoryPage, type HistoryQuery, type Result } from "../../protocol/index.js";
import type { EdgeConfig } from "../config.js";

export type OriginTarget = Pick<EdgeConfig, "originUrl" | "originSecret">;

/**
 * One signed call. Signed here, per attempt: a retry gets a new timestamp and nonce, since origin serves a
 * signature once (protocol/signature.ts).
 */
export async function originFetch(config: OriginTarget, path: string, init: { method: string; body?: string }): Promise<Response> {
  if (!config.originUrl || !config.originSecret) throw new Error("origin is not configured (ORIGIN_URL, ORIGIN_SECRET)");
  const url = new URL(`${config.originUrl}${path}`);
  const headers = await signRequest(config.originSecret, init.method, url, init.body ?? "");
  if (init.body !== undefined) headers["Content-Type"] = "application/json";
  return fetch(url, { method: init.method, headers, body: init.body, signal: AbortSignal.timeout(10_000) });
}

/** Posts one ingest body (`{"events":[…]}`); true only when origin confirmed it. Network errors count as a refusal, never throw. */
export async function postBatch(config: OriginTarget, body: string): Promise<boolean> {
  try {
    const res = await originFetch(config, "/v1/ingest", { method: "POST", body });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** A history page from origin's store, for pages older than what a Conversation keeps. */
export async function originHistory(config: OriginTarget, conversationId: string, query: HistoryQuery): Promise<Result<HistoryPage>> {
  const params = new URLSearchParams({ limit: String(query.limit) });
  if (query.before !== undefined) params.set("before", String(query.before));
  if (query.after !== undefined) params.set("after", String(query.after));
  try {
    const res = await originFetch(config, `/v1/history/${encodeURIComponent(conversationId)}?${params}`, { method: "GET" });
    if (res.ok) return ok((await res.json()) as HistoryPage);
    await res.body?.cancel();
  } catch {
    // Fall through: origin unreachable.
  }
  return fail("unavailable", "older history is at origin, which is not answering; retry later");
}
