/**
 * A search across all of the user's conversations (`GET /v1/search`): the newest matches, whichever conversation they
 * are in. It has no next page: the person opens a conversation and searches there for more.
 */
import type { Message } from "../../protocol/message.js";
import type { SearchHost } from "./search.js";

export class AllSearch {
  query = "";
  results: Message[] = [];
  /** More matches than shown: in some conversation, a search of its own finds the rest. */
  hasMore = false;
  busy = false;
  /** Counts searches, so the answer to an older one that arrives late is dropped. */
  private runs = 0;

  constructor(private readonly host: SearchHost) {}

  async run(query: string): Promise<void> {
    this.query = query.trim();
    this.results = [];
    this.hasMore = false;
    const run = ++this.runs;
    this.busy = this.query !== "";
    this.host.changed();
    if (!this.query) return;
    const page = await this.host.guard(this.host.api.searchAll(this.query));
    if (run !== this.runs) return;
    this.busy = false;
    if (page) [this.results, this.hasMore] = [page.messages, page.hasMore];
    this.host.changed();
  }
}
