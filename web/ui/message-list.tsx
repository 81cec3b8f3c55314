/**
 * The messages of the open conversation in seq order (less those this user deleted for itself), then this user's
 * sends still waiting for their seq. Scrolling to the top loads the previous history page; new messages keep the
 * view at the bottom only when it already was there, so reading back is never interrupted; a jump scrolls to its
 * message.
 */
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Conv } from "../state/model.js";
import type { ChatSession } from "../state/session.js";
import { Bubble, Pending } from "./bubble.js";
import { SystemLine } from "./system-line.js";

const NEAR_PX = 80;

interface Props {
  session: ChatSession;
  conv: Conv;
}

export function MessageList({ session, conv }: Props) {
  const thread = session.threads[conv.id];
  const loaded = thread?.messages ?? [];
  const messages = loaded.filter((m) => !session.hidden.has(conv.id, m.seq));
  const sequenced = new Set(loaded.filter((m) => m.senderId === session.me).map((m) => m.clientMsgId));
  const waiting = session.outbox.entries.filter((o) => o.conversationId === conv.id && !sequenced.has(o.clientMsgId));
  const jumped = session.jump.target?.conversationId === conv.id ? session.jump.target : null;
  const { ref, onScroll, loading, older, stick } = useScrollBack(session, conv, loaded[0]?.seq);
  useScrollTo(ref, stick, jumped);
  return (
    <div class="messages" ref={ref} onScroll={onScroll} role="log" aria-label="Messages" data-testid="messages">
      {thread?.hasMore && (
        <button type="button" class="link older" disabled={loading} onClick={older}>
          {loading ? "Loading…" : "Load earlier messages"}
        </button>
      )}
      {thread?.loaded && messages.length === 0 && waiting.length === 0 && (
        <p class="hint">No messages yet. Say hello!</p>
      )}
      <ol>
        {messages.map((m, i) =>
          m.system ? (
            <SystemLine key={m.seq} message={m} me={session.me} />
          ) : (
            <Bubble
              key={m.seq}
              session={session}
              conv={conv}
              message={m}
              showSender={messages[i - 1]?.senderId !== m.senderId || messages[i - 1]?.system !== undefined}
              highlighted={m.seq === jumped?.seq}
            />
          ),
        )}
        {waiting.map((o) => (
          <Pending key={o.clientMsgId} session={session} outgoing={o} />
        ))}
      </ol>
    </div>
  );
}

/** Keeps the scroll position sensible across appends and prepends, and loads older pages near the top. */
function useScrollBack(session: ChatSession, conv: Conv, firstSeq: number | undefined) {
  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const fromBottom = useRef(0);
  const shownFirst = useRef(firstSeq);
  const [loading, setLoading] = useState(false);

  useLayoutEffect(() => {
    const el = ref.current!;
    const prepended = firstSeq !== undefined && shownFirst.current !== undefined && firstSeq < shownFirst.current;
    shownFirst.current = firstSeq;
    if (prepended) el.scrollTop = el.scrollHeight - fromBottom.current;
    else if (stick.current) el.scrollTop = el.scrollHeight;
    fromBottom.current = el.scrollHeight - el.scrollTop;
  });

  const older = () => {
    if (loading || !session.threads[conv.id]?.hasMore) return;
    setLoading(true);
    session.spawn(session.loadOlder(conv.id).finally(() => setLoading(false)));
  };
  const onScroll = () => {
    const el = ref.current!;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_PX;
    fromBottom.current = el.scrollHeight - el.scrollTop;
    if (el.scrollTop < NEAR_PX) older();
  };
  return { ref, onScroll, loading, older, stick };
}

/**
 * Scrolls the message jumped to into the middle of the view (the list stops following new ones), and moves focus
 * there. Each jump is a new target, so jumping to the same message again scrolls again.
 */
function useScrollTo(
  list: { current: HTMLElement | null },
  stick: { current: boolean },
  target: { seq: number } | null,
): void {
  useLayoutEffect(() => {
    const el = target && list.current?.querySelector<HTMLElement>(`[data-seq="${target.seq}"]`);
    if (!el) return;
    stick.current = false;
    el.scrollIntoView({ block: "center" });
    el.focus({ preventScroll: true });
  }, [target]);
}
