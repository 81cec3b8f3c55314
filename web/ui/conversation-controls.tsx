/**
 * Per-conversation safety controls in the chat's header: mute (for an hour, eight hours or until turned off) and, in a
 * direct conversation, block; and what shows instead of the composer while either person blocks the other.
 */
import { useState } from "preact/hooks";
import { peerOf, type Conv } from "../state/model.js";
import { blockedReason, isMuted, MUTE_CHOICES, mutedText } from "../state/safety.js";
import type { ChatSession } from "../state/session.js";

interface Props {
  session: ChatSession;
  conv: Conv;
}

export function MuteControl({ session, conv }: Props) {
  const [open, setOpen] = useState(false);
  const muted = isMuted(conv);
  const choose = (ms: number | null | false) => {
    setOpen(false);
    session.spawn(session.safety.mute(conv, ms));
  };
  return (
    <div class="mute-control">
      <button
        type="button"
        class="secondary"
        aria-expanded={open}
        title={muted ? mutedText(conv) : undefined}
        onClick={() => setOpen(!open)}
      >
        {muted ? "🔕 Muted" : "Mute"}
      </button>
      {open && (
        <div class="menu-panel" role="group" aria-label="Mute notifications">
          {MUTE_CHOICES.map((choice) => (
            <button key={choice.label} type="button" onClick={() => choose(choice.ms)}>
              {choice.label}
            </button>
          ))}
          {muted && (
            <button type="button" onClick={() => choose(false)}>
              Unmute
            </button>
          )}
        </div>
      )}
    </div>
  );
}

export function BlockButton({ session, conv }: Props) {
  const peer = peerOf(conv, session.me);
  if (!peer || peer === session.me) return null;
  const blocked = session.safety.blocked.has(peer);
  const toggle = () => {
    if (!blocked && !confirm(`Block ${peer}? Neither of you can write here until you unblock them.`)) return;
    session.spawn(blocked ? session.safety.unblock(peer) : session.safety.block(peer));
  };
  return (
    <button type="button" class="secondary" onClick={toggle}>
      {blocked ? `Unblock ${peer}` : `Block ${peer}`}
    </button>
  );
}

/** The edge's reason this user cannot write here, shown in place of the composer. */
export function BlockedNotice({ session, conv }: Props) {
  const reason = blockedReason(conv, session.me, session.safety) ?? "";
  const peer = peerOf(conv, session.me)!;
  const mine = session.safety.blocked.has(peer);
  return (
    <div class="blocked-notice" role="status" data-testid="blocked">
      <span>{reason}</span>
      {mine ? (
        <button type="button" class="link" onClick={() => session.spawn(session.safety.unblock(peer))}>
          Unblock
        </button>
      ) : (
        <button type="button" class="link" onClick={() => session.safety.retry(conv.id)}>
          Try again
        </button>
      )}
    </div>
  );
}
