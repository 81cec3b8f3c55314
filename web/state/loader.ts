/**
 * What the page fetches over HTTP: the conversation list, a conversation's members and read watermarks, and
 * history pages. The socket only brings what happens from the stored positions on, so everything older, and
 * whatever the socket cannot replay (receipts, membership changes missed while offline), comes from here.
 */
import type { ChatApi } from "../../client/api.js";
import { HISTORY_PAGE_DEFAULT, HISTORY_PAGE_MAX } from "../../protocol/limits.js";
import type { ConversationState, Message } from "../../protocol/message.js";
import { emptyThread, mergePage, raiseWatermarks, type Conv, type Thread } from "./model.js";

/** The narrow view of the session a loader needs. */
export interface LoaderHost {
  readonly api: ChatApi;
  conversations: Record<string, Conv>;
  threads: Record<string, Thread>;
  readonly safety: { invites: Record<string, ConversationState> };
  changed(): void;
  /** History pages carry the user's own sends too: they settle pending entries like live frames do. */
  settled(messages: Message[]): void;
}

export async function refreshConversations(host: LoaderHost): Promise<void> {
  const all = await host.api.conversations();
  // An invite is listed too; it has nothing to show but itself.
  host.safety.invites = Object.fromEntries(all.filter((s) => s.role === "invited").map((s) => [s.id, s]));
  const list = all.filter((s) => s.role !== "invited");
  const next: Record<string, Conv> = {};
  for (const s of list) {
    const old = host.conversations[s.id];
    next[s.id] = {
      ...s,
      // Live frames may be ahead of this answer; watermarks only move forward.
      lastSeq: Math.max(old?.lastSeq ?? 0, s.lastSeq),
      readSeq: Math.max(old?.readSeq ?? 0, s.readSeq),
      receipts: old?.receipts ?? {},
      ...(old?.last ? { last: old.last } : {}),
    };
  }
  host.conversations = next;
  host.changed();
  await fillLastMessages(
    host,
    list.filter((s) => s.lastSeq > (next[s.id]!.last?.seq ?? 0)).map((s) => s.id),
  );
}

/** The list answer has no last message, so fetch a one-message page for each, a few at a time. */
async function fillLastMessages(host: LoaderHost, ids: string[]): Promise<void> {
  const queue = [...ids];
  const worker = async () => {
    for (let id = queue.shift(); id; id = queue.shift()) {
      const page = await host.api.history(id, { limit: 1 }).catch(() => null);
      const last = page?.messages.at(-1);
      const conv = host.conversations[id];
      if (last && conv && last.seq >= (conv.last?.seq ?? 0)) conv.last = last;
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  host.changed();
}

/** Members, title and every member's watermarks (receipt frames are not replayed after a reconnect). */
export async function loadDetail(host: LoaderHost, id: string): Promise<void> {
  const detail = await host.api.conversation(id);
  const conv = host.conversations[id];
  if (!conv) return;
  Object.assign(conv, {
    members: detail.members,
    admins: detail.admins,
    invited: detail.invited,
    history: detail.history,
    title: detail.title,
    lastSeq: Math.max(conv.lastSeq, detail.lastSeq),
  });
  for (const [user, read] of Object.entries(detail.readSeqs))
    conv.receipts[user] = raiseWatermarks(conv.receipts[user], detail.deliveredSeqs[user] ?? 0, read);
  host.changed();
}

function threadOf(host: LoaderHost, id: string): Thread {
  return (host.threads[id] ??= emptyThread());
}

/** The newest page, once per conversation; live messages already in the thread merge with it. */
export async function loadNewest(host: LoaderHost, id: string): Promise<void> {
  const thread = threadOf(host, id);
  if (thread.loaded) return;
  const page = await host.api.history(id, { limit: HISTORY_PAGE_DEFAULT });
  thread.messages = mergePage(thread.messages, page.messages);
  thread.loaded = true;
  // Seqs start at 1, so anything above it may have older pages (the next request tells for sure).
  thread.hasMore = (thread.messages[0]?.seq ?? 1) > 1;
  host.settled(page.messages);
  host.changed();
}

/** The page before the oldest message shown (scrolling back). */
export async function loadOlder(host: LoaderHost, id: string, limit = HISTORY_PAGE_DEFAULT): Promise<void> {
  const thread = threadOf(host, id);
  const before = thread.messages[0]?.seq;
  if (!thread.hasMore || before === undefined) return;
  const page = await host.api.history(id, { before, limit });
  thread.messages = mergePage(thread.messages, page.messages);
  thread.hasMore = page.messages.length > 0 && page.hasMore;
  host.settled(page.messages);
  host.changed();
}

/**
 * Pages back until the thread holds `seq` (or the history's start): a jump to an older message. The thread stays
 * one unbroken run of messages up to the newest, so scrolling on from the target shows everything after it; a
 * target far back costs a page per HISTORY_PAGE_MAX messages between. Resolves whether it is there now.
 */
export async function loadThrough(host: LoaderHost, id: string, seq: number): Promise<boolean> {
  await loadNewest(host, id);
  const thread = threadOf(host, id);
  while (thread.hasMore && (thread.messages[0]?.seq ?? 0) > seq) await loadOlder(host, id, HISTORY_PAGE_MAX);
  return thread.messages.some((m) => m.seq === seq);
}
