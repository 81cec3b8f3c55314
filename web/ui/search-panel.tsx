/**
 * Search in the open conversation: matching messages newest first, more on request; choosing one shows it in the
 * conversation (history loads back to it when it is older than what the page holds).
 */
import { handler } from "./handler.js";
import { useState } from "preact/hooks";
import type { Conv } from "../state/model.js";
import { Search } from "../state/search.js";
import type { ChatSession } from "../state/session.js";
import { clock, fullTime } from "./format.js";

interface Props {
  session: ChatSession;
  conv: Conv;
}

export function SearchPanel({ session, conv }: Props) {
  const [search] = useState(() => new Search(session, conv.id));
  const results = search.results.filter((m) => !session.hidden.has(conv.id, m.seq));
  const submit = (event: Event) => {
    event.preventDefault();
    return search.run(String(new FormData(event.target as HTMLFormElement).get("q") ?? ""));
  };
  return (
    <section class="search" aria-label="Search messages">
      <form role="search" onSubmit={handler(submit)}>
        <label for="search-q" class="visually-hidden">
          Search messages
        </label>
        <input id="search-q" name="q" type="search" placeholder="Search messages" autocomplete="off" autoFocus />
        <button type="submit">Find</button>
      </form>
      {search.query && results.length === 0 && (
        <p class="hint" role="status">
          {search.busy ? "Searching…" : "No messages found."}
        </p>
      )}
      {results.length > 0 && (
        <ol class="results" aria-label="Search results" data-testid="search-results">
          {results.map((m) => (
            <li key={m.seq}>
              <button type="button" class="result" onClick={() => session.jump.to(conv.id, m.seq)}>
                <span class="result-who">{m.senderId === session.me ? "You" : m.senderId}</span>
                <time dateTime={new Date(m.sentAt).toISOString()} title={fullTime(m.sentAt)}>
                  {clock(m.sentAt)}
                </time>
                <span class="result-body">{m.body}</span>
              </button>
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
