/**
 * The messages of the open conversation in seq order, then this user's sends still waiting for their seq.
 * Scrolling to the top loads the previous history page; new messages keep the view at the bottom only when
 * it already was there, so reading back is never interrupted.
 */
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Message } from "../../protocol/message.js";
import { tickOf, type Conv, type Tick } from "../state/model.js";
import type { ChatSession } from "../state/session.js";
import type { Outgoing } from "../state/storage.js";
import { clock, fullTime } from "./format.js";

const NEAR_PX = 80;
const TICK_TEXT: Record<Tick, [string, string]> = {
  pending: ["◷", "Sending…"],
  sent: ["✓", "Sent"],
  delivered: ["✓✓", "Delivered"],
  read: ["✓✓", "Read"],
  failed: ["!", "Not sent"],
};

interface Props {
  session: ChatSession;
  conv: Conv;
}

export function MessageList({ session, conv }: Props) {
  const thread = session.threads[conv.id];
  const messages = thread?.messages ?? [];
  const sequenced = new Set(messages.filter((m) => m.senderId === session.me).map((m) => m.clientMsgId));
  const waiting = session.outbox.entries.filter((o) => o.conversationId === conv.id && !sequenced.has(o.clientMsgId));
  const { ref, onScroll, loading, older } = useScrollBack(session, conv, messages[0]?.seq);
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
        {messages.map((m, i) => (
          <Bubble
            key={m.seq}
            session={session}
            conv={conv}
            message={m}
            showSender={messages[i - 1]?.senderId !== m.senderId}
          />
        ))}
        {waiting.map((o) => (
          <Pending key={o.clientMsgId} session={session} outgoing={o} />
        ))}
      </ol>
    </div>
  );
}

function Bubble({ session, conv, message, showSender }: Props & { message: Message; showSender: boolean }) {
  const mine = message.senderId === session.me;
  return (
    <li class={`msg ${mine ? "mine" : "theirs"}`} data-seq={message.seq} data-client-msg-id={message.clientMsgId}>
      {!mine && conv.kind === "group" && showSender && <span class="sender">{message.senderId}</span>}
      <span class="body">{message.body}</span>
      <span class="meta">
        <time dateTime={new Date(message.sentAt).toISOString()} title={fullTime(message.sentAt)}>
          {clock(message.sentAt)}
        </time>
        {mine && <TickMark tick={tickOf(conv, session.me, message.seq)} />}
      </span>
    </li>
  );
}

function Pending({ session, outgoing }: { session: ChatSession; outgoing: Outgoing }) {
  const tick: Tick = outgoing.error ? "failed" : outgoing.seq ? "sent" : "pending";
  return (
    <li class={`msg mine ${tick}`} data-client-msg-id={outgoing.clientMsgId}>
      <span class="body">{outgoing.body}</span>
      <span class="meta">
        {outgoing.error && <span class="why">{outgoing.error}</span>}
        {tick === "pending" && <span>Sending…</span>}
        <TickMark tick={tick} />
        {outgoing.error && (
          <button type="button" class="link" onClick={() => session.outbox.discard(outgoing.clientMsgId)}>
            Discard
          </button>
        )}
      </span>
    </li>
  );
}

function TickMark({ tick }: { tick: Tick }) {
  const [mark, label] = TICK_TEXT[tick];
  return (
    <span class={`tick tick-${tick}`} data-status={tick} title={label} aria-label={label} role="img">
      {mark}
    </span>
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
  return { ref, onScroll, loading, older };
}
