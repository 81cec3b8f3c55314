/** A message's reactions as chips under it: emoji and count, who in the tooltip, this user's own highlighted. */
import type { Message } from "../../protocol/message.js";
import { reactedBy, reactorsText } from "../state/entries.js";
import type { ChatSession } from "../state/session.js";

export function Reactions({ session, message }: { session: ChatSession; message: Message }) {
  if (!message.reactions?.length) return null;
  return (
    <ul class="reactions" aria-label="Reactions">
      {message.reactions.map((r) => {
        const mine = reactedBy(r, session.me);
        const who = reactorsText(r);
        return (
          <li key={r.emoji}>
            {/* Pressed: this user's own; clicking takes it back, or puts it on. */}
            <button
              type="button"
              class={`chip ${mine ? "mine" : ""}`}
              aria-pressed={mine}
              aria-label={`${r.emoji} ${r.count}: ${who}`}
              title={who}
              onClick={() => session.actions.react(message, r.emoji, !mine)}
            >
              {r.emoji} <span class="count">{r.count}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
