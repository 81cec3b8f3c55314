/**
 * One message as the list shows it: its quote if it replies, its files and text (or a tombstone once deleted for
 * everyone), its reactions, time, "edited" and ticks, and its actions; and this user's sends still waiting for their
 * seq.
 */
import type { Message } from "../../protocol/message.js";
import { tickOf, type Conv, type Tick } from "../state/model.js";
import type { ChatSession } from "../state/session.js";
import type { Outgoing } from "../state/storage.js";
import { Attachments, PendingAttachments } from "./attachments.js";
import { clock, fullTime } from "./format.js";
import { MessageMenu } from "./message-menu.js";
import { QuoteButton, QuoteText } from "./quote.js";
import { Reactions } from "./reactions.js";

const TICK_TEXT: Record<Tick, [string, string]> = {
  pending: ["◷", "Sending…"],
  sent: ["✓", "Sent"],
  delivered: ["✓✓", "Delivered"],
  read: ["✓✓", "Read"],
  failed: ["!", "Not sent"],
};

interface BubbleProps {
  session: ChatSession;
  conv: Conv;
  message: Message;
  showSender: boolean;
  highlighted: boolean;
}

export function Bubble({ session, conv, message, showSender, highlighted }: BubbleProps) {
  const mine = message.senderId === session.me;
  const classes = ["msg", mine ? "mine" : "theirs", message.deleted && "deleted", highlighted && "highlight"];
  return (
    // Focusable from script only: a jump moves focus here so a screen reader reads the message jumped to.
    <li
      class={classes.filter(Boolean).join(" ")}
      data-seq={message.seq}
      data-client-msg-id={message.clientMsgId}
      tabIndex={-1}
    >
      {!mine && conv.kind === "group" && showSender && <span class="sender">{message.senderId}</span>}
      {message.replyTo && (
        <QuoteButton quote={message.replyTo} onShow={() => session.jump.to(conv.id, message.replyTo!.seq)} />
      )}
      {!message.deleted && message.attachments && (
        <Attachments session={session} conversationId={conv.id} attachments={message.attachments} />
      )}
      {(message.deleted || message.body) && (
        <span class="body">{message.deleted ? "message deleted" : message.body}</span>
      )}
      <Reactions session={session} message={message} />
      <span class="meta">
        {message.editedAt !== undefined && (
          <span class="edited" title={`Edited ${fullTime(message.editedAt)}`}>
            edited
          </span>
        )}
        <time dateTime={new Date(message.sentAt).toISOString()} title={fullTime(message.sentAt)}>
          {clock(message.sentAt)}
        </time>
        {mine && !message.deleted && <TickMark tick={tickOf(conv, session.me, message.seq)} />}
        <MessageMenu session={session} message={message} />
      </span>
    </li>
  );
}

export function Pending({ session, outgoing }: { session: ChatSession; outgoing: Outgoing }) {
  const tick: Tick = outgoing.error ? "failed" : outgoing.seq ? "sent" : "pending";
  return (
    <li class={`msg mine ${tick}`} data-client-msg-id={outgoing.clientMsgId}>
      {outgoing.replyTo && (
        <span class="quote">
          <QuoteText quote={outgoing.replyTo} />
        </span>
      )}
      {outgoing.attachments && <PendingAttachments attachments={outgoing.attachments} />}
      {outgoing.body && <span class="body">{outgoing.body}</span>}
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
