/**
 * A message's actions behind one button (shown on hover and on keyboard focus): quick reactions, Reply, Edit and
 * Delete for everyone where this user may (its sender; a group's admins delete too), Delete for me, and Report on
 * someone else's message. A disclosure rather than an ARIA menu: the buttons are in the tab order, opening moves
 * focus to the first, Escape or a click elsewhere closes and focus returns.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { Message } from "../../protocol/message.js";
import { canDeleteForEveryone, canEdit, reactedBy } from "../state/entries.js";
import type { ChatSession } from "../state/session.js";

export const QUICK_REACTIONS = ["👍", "❤️", "😂", "😮", "😢", "🙏"];

interface Props {
  session: ChatSession;
  message: Message;
}

export function MessageMenu({ session, message }: Props) {
  const [open, setOpen] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) toggle.current?.focus();
  };
  useDismiss(open, panel, toggle, close);
  const choose = (action: () => void) => () => {
    close(false);
    action();
  };
  return (
    <div class="msg-menu">
      <button
        ref={toggle}
        type="button"
        class="menu-toggle"
        aria-label="Message actions"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        ⋯
      </button>
      {open && (
        <div ref={panel} class="menu-panel" role="group" aria-label="Message actions">
          {!message.deleted && <QuickReactions session={session} message={message} done={() => close(true)} />}
          {!message.deleted && (
            <button type="button" onClick={choose(() => session.actions.reply(message))}>
              Reply
            </button>
          )}
          {canEdit(message, session.me, session.client.editWindowMs) && (
            <button type="button" onClick={choose(() => session.actions.edit(message))}>
              Edit
            </button>
          )}
          {canDeleteForEveryone(message, session.me, session.conversations[message.conversationId]) && (
            <button type="button" onClick={choose(() => session.actions.deleteForEveryone(message))}>
              Delete for everyone
            </button>
          )}
          <button type="button" onClick={choose(() => session.hidden.hide(message.conversationId, message.seq))}>
            Delete for me
          </button>
          {message.senderId !== session.me && !message.deleted && (
            <button type="button" onClick={choose(() => session.safety.startReport(message))}>
              Report
            </button>
          )}
        </div>
      )}
    </div>
  );
}

function QuickReactions({ session, message, done }: Props & { done(): void }) {
  const mine = (emoji: string) => message.reactions?.some((r) => r.emoji === emoji && reactedBy(r, session.me));
  return (
    <div class="quick-reactions" role="group" aria-label="React">
      {QUICK_REACTIONS.map((emoji) => (
        <button
          key={emoji}
          type="button"
          aria-label={`React ${emoji}`}
          aria-pressed={mine(emoji) ?? false}
          onClick={() => {
            session.actions.react(message, emoji, !mine(emoji));
            done();
          }}
        >
          {emoji}
        </button>
      ))}
    </div>
  );
}

/** While open: focus on the first action, Escape closes (focus back on the toggle), a click outside closes. */
function useDismiss(
  open: boolean,
  panel: { current: HTMLElement | null },
  toggle: { current: HTMLElement | null },
  close: (refocus: boolean) => void,
): void {
  useEffect(() => {
    if (!open) return;
    panel.current?.querySelector("button")?.focus();
    const onKey = (event: KeyboardEvent) => event.key === "Escape" && close(true);
    const onPointer = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!panel.current?.contains(target) && !toggle.current?.contains(target)) close(false);
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("pointerdown", onPointer);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("pointerdown", onPointer);
    };
  }, [open]);
}
