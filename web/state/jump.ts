/**
 * Jumping to a message of the open conversation (a search result, the message a reply quotes): history is loaded
 * back to it if the page does not hold it yet, then the list scrolls there and highlights it for a moment.
 */
import { loadThrough, type LoaderHost } from "./loader.js";

/** How long a message jumped to stays highlighted. */
const HIGHLIGHT_MS = 2_500;

interface JumpHost extends LoaderHost {
  notice(text: string): void;
  spawn(work: Promise<unknown>): void;
}

export class Jump {
  /** The message jumped to, while it is highlighted. */
  target: { conversationId: string; seq: number } | null = null;

  constructor(private readonly host: JumpHost) {}

  to(conversationId: string, seq: number): void {
    this.host.spawn(
      loadThrough(this.host, conversationId, seq).then((found) =>
        found ? this.show(conversationId, seq) : this.host.notice("That message is no longer in the history."),
      ),
    );
  }

  private show(conversationId: string, seq: number): void {
    const target = { conversationId, seq };
    this.target = target;
    this.host.changed();
    setTimeout(() => {
      if (this.target !== target) return;
      this.target = null;
      this.host.changed();
    }, HIGHLIGHT_MS);
  }
}
