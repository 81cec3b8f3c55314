/**
 * The edge's only way to talk to origin: signed HTTP calls (protocol.md, "Edge → origin"). A batch counts as delivered
 * only on a 2xx, which origin gives after Kafka acknowledged every event. A refusal is logged with origin's HTTP status
 * (or that it did not answer) and the object that called, and answered as a value: nothing here throws.
 */
import {
  fail,
  ok,
  signRequest,
  type HistoryPage,
  type HistoryQuery,
  type OriginSearch,
  type Result,
  type SearchPage,
} from "../../protocol/index.js";
import type { EdgeConfig } from "../config.js";
import { log } from "./log.js";

export type OriginTarget = Pick<EdgeConfig, "originUrl" | "originSecret">;

/** Who is calling, for the log line of a refusal: the class and the object's name. */
export interface Caller {
  source: string;
  name(): string;
}

const TIMEOUT_MS = 10_000;

export class OriginClient {
  constructor(
    private readonly target: OriginTarget,
    private readonly caller: Caller,
  ) {}

  /** Posts a JSON body; true only when origin answered 2xx. */
  async post(path: string, body: string): Promise<boolean> {
    const res = await this.call("POST", path, body);
    await res?.body?.cancel();
    return res?.ok === true;
  }

  /** A history page from origin's store, for pages older than what a Conversation keeps. */
  async history(conversationId: string, query: HistoryQuery): Promise<Result<HistoryPage>> {
    const params = new URLSearchParams({ limit: String(query.limit) });
    if (query.before !== undefined) params.set("before", String(query.before));
    if (query.after !== undefined) params.set("after", String(query.after));
    const res = await this.call("GET", `/v1/history/${encodeURIComponent(conversationId)}?${params}`);
    if (res?.ok) return ok((await res.json()) as HistoryPage);
    await res?.body?.cancel();
    return fail("unavailable", "older history is at origin, which is not answering; retry later");
  }

  /** A search across conversations, answered by origin's index. */
  async search(body: OriginSearch): Promise<Result<SearchPage>> {
    const res = await this.call("POST", "/v1/search", JSON.stringify(body));
    if (res?.ok) return ok((await res.json()) as SearchPage);
    await res?.body?.cancel();
    return fail("unavailable", "search is answered by origin, which is not answering; retry later");
  }

  /**
   * One signed call, or null when origin did not answer. Signed here, per attempt: a retry gets a new timestamp and
   * nonce, since origin serves a signature once (protocol/signature.ts).
   */
  private async call(method: string, path: string, body?: string): Promise<Response | null> {
    const { originUrl, originSecret } = this.target;
    if (!originUrl || !originSecret) {
      this.refused(path, null, "origin is not configured (ORIGIN_URL, ORIGIN_SECRET)");
      return null;
    }
    const url = new URL(`${originUrl}${path}`);
    try {
      const headers = await signRequest(originSecret, method, url, body ?? "");
      if (body !== undefined) headers["Content-Type"] = "application/json";
      const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
      if (!res.ok) this.refused(path, res.status);
      return res;
    } catch (error) {
      this.refused(path, null, error instanceof Error ? error.message : String(error));
      return null;
    }
  }

  private refused(path: string, status: number | null, error?: string): void {
    log("warn", this.caller.source, "origin_refused", {
      object: this.caller.name(),
      path: path.split("?")[0],
      status,
      ...(error ? { error } : {}),
    });
  }
}
