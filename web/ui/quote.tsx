/** What a reply quotes: the quoted message's sender and the start of its text, as little as the edge still knows. */
import type { Quote } from "../../protocol/actions.js";

function quotedText(quote: Quote): string {
  if (quote.deleted) return "message deleted";
  // Only a message of files alone has no text.
  if (quote.snippet === "") return "photo or file";
  return quote.snippet ?? "earlier message";
}

export function QuoteText({ quote }: { quote: Quote }) {
  return (
    <>
      {quote.senderId && <span class="quote-sender">{`${quote.senderId} `}</span>}
      <span class={`quote-text ${quote.snippet === undefined ? "muted" : ""}`}>{quotedText(quote)}</span>
    </>
  );
}

/** Above a reply: clicking it shows the quoted message (loading history back to it if needed). */
export function QuoteButton({ quote, onShow }: { quote: Quote; onShow(): void }) {
  return (
    <button type="button" class="quote" title="Show the quoted message" onClick={onShow}>
      <QuoteText quote={quote} />
    </button>
  );
}
