/** Search across every chat, in the left pane: the newest matches with their chat; choosing one opens it there. */
import { useState } from "preact/hooks";
import { titleOf } from "../state/model.js";
import { AllSearch } from "../state/search-all.js";
import type { ChatSession } from "../state/session.js";
import { Result, SearchForm } from "./search-parts.js";

export function SearchAll({ session }: { session: ChatSession }) {
  const [search] = useState(() => new AllSearch(session));
  const results = search.results.filter((m) => !session.hidden.has(m.conversationId, m.seq));
  const open = (conversationId: string, seq: number) => {
    session.select(conversationId);
    session.jump.to(conversationId, seq);
  };
  return (
    <section class="search search-all" aria-label="Search all chats">
      <SearchForm id="search-all-q" label="Search all chats" run={(q) => search.run(q)} />
      {search.query && results.length === 0 && (
        <p class="hint" role="status">
          {search.busy ? "Searching…" : "No messages found."}
        </p>
      )}
      {results.length > 0 && (
        <ol class="results" aria-label="Results in all chats" data-testid="search-all-results">
          {results.map((m) => {
            const conv = session.conversations[m.conversationId];
            return (
              <li key={`${m.conversationId}#${m.seq}`}>
                <Result
                  who={`${conv ? titleOf(conv, session.me) : m.conversationId} · ${m.senderId === session.me ? "You" : m.senderId}`}
                  sentAt={m.sentAt}
                  body={m.body}
                  onClick={() => open(m.conversationId, m.seq)}
                />
              </li>
            );
          })}
        </ol>
      )}
      {search.hasMore && <p class="hint">More matches: open a chat and search there.</p>}
    </section>
  );
}
