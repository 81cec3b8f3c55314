/**
 * A search in one conversation (`GET …/search`): the edge answers matching messages newest first, in their current
 * state, a page at a time; the next page is the one before the last seq shown.
 */
import type { ChatApi } from "../../client/api.js";
import type { Message } from "../../protocol/message.js";

export interface SearchHost {
  readonly api: ChatApi;
  guard<T>(work: Promise<T>): Promise<T | undefined>;
  changed(): void;
}

export class Search {
  /** The words searched for ("" before the first search). */
  query = "";
  results: Message[] = [];
  hasMore = false;
  busy = false;
  /** Counts searches, so the answer to an older one that arrives late is dropped. */
  private runs = 0;

  constructor(
    private readonly host: SearchHost,
    readonly conversationId: string,
  ) {}

  run(query: string): Promise<void> {
    this.query = query.trim();
    this.results = [];
    this.hasMore = false;
    this.busy = false;
    this.runs++;
    if (this.query) return this.page();
    this.host.changed();
    return Promise.resolve();
  }

  more(): Promise<void> {
    return this.hasMore && !this.busy ? this.page(this.results.at(-1)?.seq) : Promise.resolve();
  }

  private async page(before?: number): Promise<void> {
    const run = ++this.runs;
    this.busy = true;
    this.host.changed();
    const page = await this.host.guard(
      this.host.api.search(this.conversationId, this.query, before === undefined ? {} : { before }),
    );
    if (run !== this.runs) return;
    this.busy = false;
    if (page) {
      this.results = [...this.results, ...page.messages];
      this.hasMore = page.hasMore;
    }
    this.host.changed();
  }
}
