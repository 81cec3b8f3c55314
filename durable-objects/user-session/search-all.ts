/**
 * Search across all of a user's conversations (`GET /v1/search`). With an origin it is origin's (one index over every
 * conversation's stored messages; the session names the conversations the user is in, most recently active first, and
 * leaves out what a group does not show the user: what came before its joining).
 * Without one, the edge alone asks the conversations themselves: the SEARCH_FANOUT most recently active, each its own
 * index (conversation/search.ts), and merges what they find, newest first; older conversations are searched one by
 * one (`GET /v1/conversations/:id/search`). Asking all of them would wake every conversation the user is in.
 */
import {
  fail,
  MAX_SEARCH_CONVERSATIONS,
  ok,
  type Message,
  type Result,
  type SearchPage,
  type SearchQuery,
} from "../../protocol/index.js";
import type { OriginClient } from "../shared/origin-client.js";
import type { SessionHost } from "./host.js";

/** Conversations one search asks when there is no origin. */
export const SEARCH_FANOUT = 20;
/** What such a search takes of the user's search budget: a burst of four, then one every few seconds. */
const FANOUT_COST = 5;

type Host = Pick<SessionHost, "userId" | "conversations" | "conversation" | "limits">;

export async function searchAll(
  host: Host,
  origin: OriginClient | null,
  query: SearchQuery,
): Promise<Result<SearchPage>> {
  const { q, limit } = query;
  const wait = host.limits.search(origin ? 1 : FANOUT_COST);
  if (wait > 0) return fail("rate_limited", `searching too often; retry in ${wait} ms`, wait);
  if (origin) {
    const conversations = host.conversations.recent(MAX_SEARCH_CONVERSATIONS);
    if (conversations.length === 0) return ok({ messages: [], hasMore: false });
    const page = await origin.search({ q, conversations, limit });
    return page.ok ? ok(visibleOnly(host, page.value)) : page;
  }
  const pages = await Promise.all(
    host.conversations.recent(SEARCH_FANOUT).map((id) => host.conversation(id).search(host.userId, { q, limit })),
  );
  const found: Message[] = [];
  let hasMore = false;
  for (const page of pages) {
    if (!page.ok) continue; // a conversation the user just left, or one not answering: the others still count
    found.push(...page.value.messages);
    hasMore ||= page.value.hasMore;
  }
  found.sort((a, b) => b.sentAt - a.sentAt || a.conversationId.localeCompare(b.conversationId) || b.seq - a.seq);
  return ok({ messages: found.slice(0, limit), hasMore: hasMore || found.length > limit });
}

/** Origin knows no member's joining: what lies before it, in a group that shows new members no earlier history, goes. */
function visibleOnly(host: Host, page: SearchPage): SearchPage {
  const messages = page.messages.filter(
    (m) => m.seq >= (host.conversations.get(m.conversationId)?.state.visibleFrom ?? 1),
  );
  return messages.length === page.messages.length ? page : { ...page, messages };
}
