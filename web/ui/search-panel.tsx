/**
 * Search in the open conversation: matching messages newest first, more on request; choosing one shows it in the
 * conversation (history loads back to it when it is older than what the page holds).
 */
import { handler } from "./handler.js";
import { useState } from "preact/hooks";
import type { Conv } from "../state/model.js";
import { Search } from "../state/search.js";
import type { ChatSession } from "../state/session.js";
import { Result, SearchForm } from "./search-parts.js";

interface Props {
  session: ChatSession;
  conv: Conv;
}

export function SearchPanel({ session, conv }: Props) {
  const [search] = useState(() => new Search(session, conv.id));
  const results = search.results.filter((m) => !session.hidden.has(conv.id, m.seq));
  return (
    <section class="search" aria-label="Search messages">
      <SearchForm id="search-q" label="Search messages" run={(q) => search.run(q)} autoFocus />
      {search.query && results.length === 0 && (
        <p class="hint" role="status">
          {search.busy ? "Searching…" : "No messages found."}
        </p>
      )}
      {results.length > 0 && (
        <ol class="results" aria-label="Search results" data-testid="search-results">
          {results.map((m) => (
            <li key={m.seq}>
              <Result
                who={m.senderId === session.me ? "You" : m.senderId}
                sentAt={m.sentAt}
                body={m.body}
                onClick={() => session.jump.to(conv.id, m.seq)}
              />
            </li>
          ))}
        </ol>
      )}
      {search.hasMore && (
        <button type="button" class="link" disabled={search.busy} onClick={handler(() => search.more())}>
          {search.busy ? "Searching…" : "More results"}
        </button>
      )}
    </section>
  );
}
