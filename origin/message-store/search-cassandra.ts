/**
 * Search across conversations on Cassandra's storage-attached indexes: `words` (each message's folded words,
 * search-words.ts) and `conversation_id` (schema.cql). A storage-attached index answers in token order, not in
 * clustering order, so no query can ask for a conversation's newest matches. Per conversation:
 * - one query for the keys of every match (`conversation_id = ? AND words CONTAINS ? …`, at most KEYS_MAX), sorted
 *   here: exact for a conversation with up to KEYS_MAX matches, which is the common case;
 * - beyond that (a common word in a long conversation), the conversation's buckets newest first, one partition per
 *   query, which answers in seq order: matches are dense there, so a few buckets give the newest ones.
 * Then the conversations' newest matches are merged and cut at the limit, and only those rows are read, in their
 * current state (page-state.ts). Rows without words (actions, deleted messages) never match.
 */
import type cassandra from "cassandra-driver";
import type { Message, SearchPage } from "../../protocol/message.js";
import type { OriginSearch } from "../../protocol/search.js";
import { mapLimit } from "../shared/map-limit.js";
import type { MessageStatements } from "./cql.js";
import { HistoryReader, isMessageRow, MAX_BUCKET, seqOf } from "./history-cassandra.js";
import type { PageState } from "./page-state.js";
import { queryWords } from "./search-words.js";

/** Match keys read for a conversation before walking its buckets instead. */
export const KEYS_MAX = 200;
/** Conversations searched at once. */
const CONCURRENCY = 16;

/** A match, as much of it as ordering needs: its body is read only if it makes the page. */
interface Hit {
  conversationId: string;
  bucket: number;
  seq: number;
  sentAt: number;
}

/** A search's answer, or null when the signal stopped it before any conversation was searched. */
export type SearchOutcome = SearchPage | null;

export class SearchReader {
  constructor(
    private readonly client: cassandra.Client,
    private readonly cql: MessageStatements,
    private readonly history: HistoryReader,
    private readonly state: PageState,
  ) {}

  async search({ q, conversations, limit }: OriginSearch, signal: AbortSignal): Promise<SearchOutcome> {
    const words = queryWords(q);
    if (words.length === 0) return { messages: [], hasMore: false };
    const found: Hit[][] = [];
    const work = mapLimit([...new Set(conversations)], CONCURRENCY, async (id) => {
      if (signal.aborted) return;
      const hits = await this.conversation(id, words, limit + 1, signal);
      if (hits !== null) found.push(hits);
    });
    // A failure before the signal fails the search; one after it, or a query still running, changes nothing.
    const complete = await Promise.race([work.then(() => true), whenAborted(signal)]);
    if (!complete && found.length === 0) return null;
    const hits = found.flat().sort(newestFirst);
    const page = hits.slice(0, limit);
    return { messages: await this.messages(page), hasMore: !complete || hits.length > limit };
  }

  /** Up to `want` newest matches of one conversation; null when the signal stopped it. */
  private async conversation(
    conversationId: string,
    words: string[],
    want: number,
    signal: AbortSignal,
  ): Promise<Hit[] | null> {
    const n = words.length;
    const all = await this.client.execute(this.cql.matching(n), [conversationId, ...words, KEYS_MAX + 1]);
    if (all.rows.length <= KEYS_MAX) return hitsOf(conversationId, all.rows).slice(0, want);
    const hits: Hit[] = [];
    for await (const bucket of this.history.buckets(conversationId, MAX_BUCKET, "older")) {
      if (signal.aborted) return null;
      const params = [conversationId, bucket, ...words, want - hits.length];
      const inBucket = await this.client.execute(this.cql.matchingIn(n), params);
      hits.push(...hitsOf(conversationId, inBucket.rows));
      if (hits.length >= want) break;
    }
    return hits;
  }

  /** The page's messages in their current state, in the page's order; one that changed since it matched is left out. */
  private async messages(page: readonly Hit[]): Promise<Message[]> {
    const byPartition = new Map<string, Hit[]>();
    for (const hit of page) {
      const key = `${hit.bucket}/${hit.conversationId}`;
      byPartition.set(key, [...(byPartition.get(key) ?? []), hit]);
    }
    const read = await Promise.all(
      [...byPartition.values()].map(async (hits) => {
        const { conversationId, bucket } = hits[0]!;
        const seqs = hits.map((h) => h.seq);
        const { rows } = await this.client.execute(this.cql.rowsAt, [conversationId, bucket, seqs]);
        const current = rows.filter((row) => isMessageRow(row) && row.get("deleted") !== true);
        return this.state.messages(conversationId, current);
      }),
    );
    const byKey = new Map(read.flat().map((m) => [`${m.seq}/${m.conversationId}`, m]));
    return page.flatMap((hit) => byKey.get(`${hit.seq}/${hit.conversationId}`) ?? []);
  }
}

/** Rows of match keys as hits, newest first. */
function hitsOf(conversationId: string, rows: readonly cassandra.types.Row[]): Hit[] {
  return rows
    .map((row) => ({
      conversationId,
      bucket: row.get("bucket") as number,
      seq: seqOf(row),
      sentAt: (row.get("sent_at") as Date).getTime(),
    }))
    .sort(newestFirst);
}

/** Newest first across conversations, as the edge merges its conversations' answers (user-session/search-all.ts). */
function newestFirst(a: Hit, b: Hit): number {
  return b.sentAt - a.sentAt || a.conversationId.localeCompare(b.conversationId) || b.seq - a.seq;
}

/** Resolves false once the signal aborts (never, if it never does). */
function whenAborted(signal: AbortSignal): Promise<false> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(false), { once: true }));
}
