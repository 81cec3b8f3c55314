/**
 * One signed-in user in this tab: the project's ChatClient (socket, resume by positions, retried sends) and
 * ChatApi (HTTP), and the state the page renders. State is mutated in place and `changed()` schedules one
 * re-render of the whole page per task: the page is small, so no per-component subscriptions are needed.
 */
import { ChatApi } from "../../client/api.js";
import { ChatClient, type ConnectionState } from "../../client/chat-client.js";
import type { ErrorFrame, ReceiptFrame, TypingFrame } from "../../protocol/frames.js";
import { TYPING_RELAY_MARGIN_MS, TYPING_RELAY_MS } from "../../protocol/limits.js";
import type { ConversationState, Message, Presence } from "../../protocol/message.js";
import { AttachmentBlobs } from "./attachment-blobs.js";
import { lastAfter, quoteOf, withEntry } from "./entries.js";
import { describe, describeThrown, isUnauthorized } from "./errors.js";
import { HiddenMessages } from "./hidden.js";
import { Jump } from "./jump.js";
import { loadDetail, loadNewest, loadOlder, refreshConversations, type LoaderHost } from "./loader.js";
import { MessageActions } from "./message-actions.js";
import { bodyProblem, raiseWatermarks, unread, type Conv, type Thread } from "./model.js";
import { PresencePoller } from "./presence.js";
import { Outbox } from "./outbox.js";
import { Safety } from "./safety.js";
import { SeqSets } from "./seq-sets.js";
import { loadUser, saveUser } from "./storage.js";
import { Uploads } from "./uploads.js";

const TYPING_SHOWN_MS = 4_000;
const TYPING_SEND_EVERY_MS = 2_000;
const NOTICE_MS = 20_000;
/** Action seqs remembered per conversation past the read watermark; beyond them unread counts run high. */
const MAX_UNREAD_ACTIONS = 1_000;

export interface Notice {
  id: number;
  text: string;
}

export class ChatSession implements LoaderHost {
  readonly api: ChatApi;
  readonly client: ChatClient;
  connection: ConnectionState = "connecting";
  conversations: Record<string, Conv> = {};
  threads: Record<string, Thread> = {};
  readonly outbox: Outbox;
  readonly actions: MessageActions;
  readonly hidden: HiddenMessages;
  readonly jump: Jump;
  readonly uploads: Uploads;
  readonly blobs: AttachmentBlobs;
  readonly safety: Safety;
  /** conversationId → userId → until when "typing…" shows. */
  typing: Record<string, Record<string, number>> = {};
  presence: Record<string, Presence> = {};
  selected: string | null = null;
  notices: Notice[] = [];
  /** Set when the session ends because the token no longer works. */
  expired = false;
  private readonly listeners = new Set<() => void>();
  private readonly poller: PresencePoller;
  /** conversationId → when the next typing frame may go. */
  private readonly typingNextAt = new Map<string, number>();
  private scheduled = false;
  private opens = 0;
  private refreshing: Promise<unknown> | null = null;
  private refreshAgain = false;
  private noticeIds = 0;
  /** The conversation this tab told the edge it shows (what arrives there is read). */
  private focused: string | null = null;
  /** Action entries handed over past the read watermark, per conversation: not unread messages. */
  private readonly actionSeqs: SeqSets;

  constructor(
    readonly url: string,
    readonly me: string,
    readonly token: string,
    deviceId: string,
  ) {
    this.api = new ChatApi(url, token);
    const saved = loadUser(me);
    this.client = new ChatClient({ url, token, deviceId, positions: saved?.positions ?? {}, since: saved?.since ?? 0 });
    this.outbox = new Outbox(me, this.client, this);
    this.actions = new MessageActions(this);
    this.hidden = new HiddenMessages(this);
    this.jump = new Jump(this);
    this.uploads = new Uploads(this);
    this.blobs = new AttachmentBlobs(this.api);
    this.safety = new Safety(this);
    this.actionSeqs = new SeqSets(saved?.actions ?? {}, MAX_UNREAD_ACTIONS);
    this.poller = new PresencePoller(this);
  }

  start(): void {
    const c = this.client;
    c.on("state", (state) => this.onState(state));
    c.on("message", (frame) => this.onMessage(frame));
    c.on("receipt", (frame) => this.onReceipt(frame));
    c.on("typing", (frame) => this.onTyping(frame));
    c.on("conversation", (conv) => this.onConversation(conv));
    c.on("hidden", (frame) => this.hidden.onHidden(frame));
    c.on("error", (frame) => this.notice(describe(frame)));
    c.on(
      "retrying",
      (r) =>
        r.code === "rate_limited" &&
        this.notice(`Sending too fast: retrying in ${Math.ceil(r.retryAfterMs / 100) / 10} s`),
    );
    // The action seqs are saved with the positions: both say what the page was handed.
    c.on("position", () => saveUser(this.me, { positions: c.positions(), actions: this.actionSeqs.toJSON() }));
    c.on("synced", (since) => saveUser(this.me, { since, positions: c.positions() }));
    c.on("reset", ({ conversationId }) => this.onReset(conversationId));
    this.outbox.resend();
    this.actions.resend();
    this.spawn(c.connect());
    this.spawn(this.refresh());
    this.safety.start();
    this.poller.start();
    document.addEventListener("visibilitychange", this.markRead);
  }

  stop(): void {
    this.client.close();
    this.poller.stop();
    this.uploads.stop();
    this.blobs.clear();
    document.removeEventListener("visibilitychange", this.markRead);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      for (const listener of this.listeners) listener();
    });
  }

  /** Shows a message for a while (long enough to read twice); the newest four stay visible. */
  notice(text: string): void {
    const id = ++this.noticeIds;
    this.notices = [...this.notices.slice(-3), { id, text }];
    setTimeout(() => this.dismiss(id), NOTICE_MS);
    this.changed();
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
    this.changed();
  }

  /** Runs an HTTP call, showing its failure; a 401 ends the session (the page asks to sign in again). */
  guard<T>(work: Promise<T>): Promise<T | undefined> {
    return work.catch((thrown: unknown) => this.failed(thrown));
  }

  /** `guard` for work nobody waits for. */
  spawn(work: Promise<unknown>): void {
    work.catch((thrown: unknown) => this.failed(thrown));
  }

  private failed(thrown: unknown): undefined {
    if (isUnauthorized(thrown)) {
      this.expired = true;
      this.stop();
    }
    this.notice(describeThrown(thrown));
    return undefined;
  }

  // Actions the page calls.

  select(id: string | null): void {
    this.selected = id;
    this.actions.draft = null;
    this.changed();
    if (!id) return;
    this.spawn(Promise.all([loadNewest(this, id), loadDetail(this, id)]));
    this.poller.poll();
    this.markRead();
  }

  /**
   * Queues a message with the files uploaded for it (a reply to the draft's message, if one is drafted); false when
   * it cannot be sent, or not yet (a file is still uploading).
   */
  send(conversationId: string, text: string): boolean {
    const body = text.trim();
    const attachments = this.uploads.ready(conversationId);
    if (!body && attachments.length === 0) return false;
    if (this.uploads.busy(conversationId)) {
      this.notice("A file is still uploading: send once it is done.");
      return false;
    }
    const problem = bodyProblem(body);
    if (problem) {
      this.notice(problem);
      return false;
    }
    const draft = this.actions.draft;
    const replyTo = draft?.kind === "reply" && draft.message.conversationId === conversationId ? draft.message : null;
    this.outbox.add(conversationId, body, replyTo ? quoteOf(replyTo) : undefined, attachments);
    this.uploads.take(conversationId);
    if (replyTo) this.actions.cancel();
    // The message hides "typing…" on the other side, so the next keystroke may say it again as soon as the
    // edge relays one (rather than a full interval after the last), with the margin a frame timed by its arrival needs.
    const next = this.typingNextAt.get(conversationId);
    if (next)
      this.typingNextAt.set(conversationId, next - TYPING_SEND_EVERY_MS + TYPING_RELAY_MS + TYPING_RELAY_MARGIN_MS);
    return true;
  }

  typed(conversationId: string): void {
    const now = Date.now();
    if (now < (this.typingNextAt.get(conversationId) ?? 0)) return;
    this.typingNextAt.set(conversationId, now + TYPING_SEND_EVERY_MS);
    this.client.typing(conversationId);
  }

  loadOlder(id: string): Promise<unknown> {
    return this.guard(loadOlder(this, id));
  }

  /** Unread messages of a conversation (action entries left out). */
  unread(conv: Conv): number {
    return unread(conv, this.actionSeqs.of(conv.id));
  }

  /**
   * Tells the edge which conversation this tab shows while the page is visible (and only then: unread means
   * unseen): the edge reads what is there and whatever arrives there. Locally the badge clears at once.
   */
  readonly markRead = (): void => {
    const shown = document.visibilityState === "visible" && this.connection === "open" ? this.selected : null;
    if (shown !== this.focused) {
      this.focused = shown;
      this.client.focus(shown);
    }
    const conv = shown ? this.conversations[shown] : undefined;
    if (!conv || conv.lastSeq <= conv.readSeq) return;
    conv.readSeq = conv.lastSeq;
    this.changed();
  };

  // Frames from the socket.

  private onState(state: ConnectionState): void {
    this.connection = state;
    // The client tells a new socket what this tab shows again by itself.
    if (state !== "open") this.focused = null;
    this.changed();
    if (state !== "open") return;
    this.hidden.resend();
    if (this.opens++ === 0) return this.markRead();
    // Back after an outage: what the socket does not replay (list changes, receipts) is fetched again.
    this.spawn(this.refresh().then(() => this.markRead()));
    if (this.selected) this.spawn(Promise.all([loadNewest(this, this.selected), loadDetail(this, this.selected)]));
  }

  /** One list refresh at a time; calls during one ask for one more after it (a replay may name many new chats). */
  private refresh(): Promise<unknown> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = this.guard(refreshConversations(this)).finally(() => {
      this.refreshing = null;
      if (this.refreshAgain) {
        this.refreshAgain = false;
        this.spawn(this.refresh());
      }
    });
    return this.refreshing;
  }

  /** Every entry of the log once, in order: a message, or an action on one. */
  private onMessage(m: Message): void {
    const conv = this.conversations[m.conversationId];
    if (!conv) this.spawn(this.refresh());
    else {
      conv.lastSeq = Math.max(conv.lastSeq, m.seq);
      const last = lastAfter(conv.last, m);
      if (last) conv.last = last;
    }
    // A change of the group is shown, but is no unread message, like an action.
    if (m.action || m.system) {
      this.actionSeqs.add(m.conversationId, [m.seq]);
      if (conv) this.actionSeqs.dropThrough(m.conversationId, conv.readSeq);
    }
    // Only conversations opened in this tab keep messages: the others fetch their newest page when opened,
    // so catching up on many conversations costs no memory.
    const thread = this.threads[m.conversationId];
    if (thread) thread.messages = withEntry(thread.messages, m);
    if (!m.action) delete this.typing[m.conversationId]?.[m.senderId];
    this.settled([m]);
    this.markRead();
    this.changed();
  }

  private onReceipt(r: ReceiptFrame): void {
    const conv = this.conversations[r.conversationId];
    if (!conv) return;
    // Without a user: every other member of the group has it delivered / read.
    if (r.userId === undefined) conv.all = raiseWatermarks(conv.all, r.deliveredSeq, r.readSeq);
    else conv.receipts[r.userId] = raiseWatermarks(conv.receipts[r.userId], r.deliveredSeq, r.readSeq);
    if (r.userId === this.me && r.readSeq) conv.readSeq = Math.max(conv.readSeq, r.readSeq);
    this.changed();
  }

  /** The client skipped a conversation's messages it did not fetch: the open one reloads its newest page. */
  private onReset(conversationId: string): void {
    const thread = this.threads[conversationId];
    if (!thread) return;
    thread.loaded = false;
    if (this.selected === conversationId) this.spawn(loadNewest(this, conversationId));
  }

  private onTyping(t: TypingFrame): void {
    if (t.userId === this.me) return;
    (this.typing[t.conversationId] ??= {})[t.userId] = Date.now() + TYPING_SHOWN_MS;
    setTimeout(() => this.changed(), TYPING_SHOWN_MS + 50);
    this.changed();
  }

  private onConversation(info: ConversationState): void {
    if (this.safety.onConversation(info)) {
      delete this.conversations[info.id];
      return this.changed();
    }
    if (!info.active) {
      delete this.conversations[info.id];
      if (this.selected === info.id) this.selected = null;
      return this.changed();
    }
    const old = this.conversations[info.id];
    // The user's own fields are absent when not set (no longer muted): the old values must not outlive them.
    const { mutedUntil: _muted, visibleFrom: _from, invitedBy: _by, ...kept } = old ?? {};
    this.conversations[info.id] = {
      receipts: {},
      ...kept,
      ...info,
      lastSeq: Math.max(old?.lastSeq ?? 0, info.lastSeq),
      readSeq: Math.max(old?.readSeq ?? 0, info.readSeq),
    };
    // Added to a conversation that already has messages: the list refresh fetches its last one.
    if (!old && info.lastSeq > 0) this.spawn(this.refresh());
    this.poller.poll();
    this.changed();
  }

  refused(conversationId: string, refusal: ErrorFrame): void {
    this.safety.refused(conversationId, refusal);
  }

  /** History pages and live frames both carry this user's own sends back: their outbox entries are done. */
  settled(messages: Message[]): void {
    this.outbox.settled(messages);
  }
}
