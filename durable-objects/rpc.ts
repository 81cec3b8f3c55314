/**
 * What each object class offers the other and the Worker: the RPC interfaces the classes implement, which every stub
 * is typed with (workers/stubs.ts, shared/stubs.ts, the tests' harness), and the plain data that crosses between them.
 * Every method answers a Result: a failure inside an object reaches its caller as the protocol's error value, never as
 * an exception's text (shared/entry-points.ts). Messages travel pre-serialised (once per message, not per recipient).
 */
import type {
  ActionRequest,
  Attachment,
  ChangeMembers,
  ConversationDetail,
  ConversationInfo,
  ConversationKind,
  ConversationState,
  GroupSettings,
  HistoryVisibility,
  HistoryPage,
  HistoryQuery,
  Presence,
  ReportReason,
  ReportReceipt,
  ReportRequest,
  Result,
  SearchPage,
  SearchQuery,
  SendResult,
  UserSettings,
} from "../protocol/index.js";

/** How a caller sees an RPC interface: every call is asynchronous. */
export type Remote<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

/**
 * One Conversation per conversation, addressed by its id. `userId` is the member a call acts for: the conversation
 * checks it is a member before anything else.
 */
export interface ConversationRpc {
  /** The Worker creates a conversation; creating a direct one again answers the existing one (`created: false`). */
  create(request: CreateRequest): Promise<Result<{ created: boolean; conversation: ConversationInfo }>>;
  /** `GET /v1/conversations/:id`: every member's watermarks. */
  detail(userId: string): Result<ConversationDetail>;
  /** Admins invite, remove, promote and demote; a member removes itself (leaves). */
  changeMembers(userId: string, change: ChangeMembers): Promise<Result<ConversationInfo>>;
  /** The invitee accepts or declines its invite. */
  answerInvite(userId: string, accept: boolean): Promise<Result<ConversationInfo>>;
  /** An admin renames the group or sets what new members see of its history. */
  changeSettings(userId: string, settings: GroupSettings): Promise<Result<ConversationInfo>>;
  /** The member mutes the conversation until a time, or unmutes it (null): answered with its state. */
  mute(userId: string, until: number | null): Promise<Result<ConversationState>>;
  /** The blocker's session: it blocked (or unblocked) `blocked`, a member here. */
  setBlock(blocker: string, blocked: string, on: boolean): Result<null>;
  /**
   * A session sends a batch of one sender's messages and actions, sequenced in the order given; answered once they
   * are durable, each with its seq or its own refusal.
   */
  send(senderId: string, items: Outgoing[]): Promise<Result<SendOutcome>>;
  history(userId: string, query: HistoryQuery): Promise<Result<HistoryPage>>;
  /** Messages matching the query's words, newest first, with their current state. */
  search(userId: string, query: SearchQuery): Result<SearchPage>;
  /** A member's session has a device again (connection `epoch`): pushed from now on; told where the log is. */
  attach(userId: string, epoch: number): Result<ConversationPosition>;
  /** Up to `limit` messages after `after` for a device catching up (it also attaches the member). */
  range(userId: string, after: number, limit: number, epoch: number): Result<RangeAnswer>;
  /** Moves the member's read watermark forward (never back). */
  read(userId: string, seq: number): Result<{ readSeq: number }>;
  /** Shown to the other members that have a device connected; never stored. */
  typing(userId: string): Result<null>;
  /** A member reports a message: filed, with the messages before it, in the moderation queue (conversation/report.ts). */
  report(userId: string, seq: number, reason: ReportReason, note?: string): Promise<Result<ReportReceipt>>;
}

/** One UserSession per user, addressed by the user's id: it knows whose it is (`ctx.id.name`), so no call names the user. */
export interface UserSessionRpc {
  /** A Conversation's push: handed to every device of the user. */
  deliver(delivery: Delivery): Result<DeliveryAnswer>;
  /** `POST /v1/conversations/:id/messages`: the path of a WebSocket send (rate limit, order, idempotency). */
  send(conversationId: string, item: Outgoing): Promise<Result<SendResult>>;
  /** `GET /v1/search`: messages with the query's words in any of the user's conversations (user-session/search-all.ts). */
  search(query: SearchQuery): Promise<Result<SearchPage>>;
  /** `GET /v1/conversations`: every conversation the user is in. */
  list(): Promise<Result<ConversationState[]>>;
  /** Lets a search of one conversation through when the user is in it, charged to the user's search budget. */
  admitSearch(conversationId: string): Result<null>;
  /** Lets an HTTP call about a conversation through when the user is in it; `addedMembers` charges a membership change. */
  authorize(conversationId: string, addedMembers?: number): Result<null>;
  /**
   * Charges a new conversation to the user's daily quota and its first delivery to the fan-out budget; a direct one
   * with someone the user blocked is refused.
   */
  admitCreate(kind: ConversationKind, members: number, peer?: string): Result<null>;
  /**
   * The user is being put in a conversation by `by`: refused when the user blocked `by`; in a group, `join` says
   * whether the user takes it at once (its setting) or is invited.
   */
  admitMember(conversationId: string, kind: ConversationKind, by: string): Result<{ join: boolean }>;
  /** Lets an invite's answer through when the user is invited to the conversation. */
  authorizeInvite(conversationId: string): Result<null>;
  /** Blocks or unblocks a user; the conversations shared with it are told. */
  block(userId: string, on: boolean): Promise<Result<{ blocked: string[] }>>;
  blockList(): Result<{ blocked: string[] }>;
  settings(change?: Partial<UserSettings>): Result<UserSettings>;
  /** An attachment upload to a conversation the user is in, charged to the daily quota: the id to store it under. */
  admitUpload(conversationId: string, size: number): Promise<Result<{ id: string }>>;
  /** The upload's bytes are in R2, with this hash. */
  uploadStored(id: string, sha256: string): Result<null>;
  /** `GET /v1/presence`: answered for the users this one shares a conversation with; anyone else looks offline. */
  presenceOf(users: string[]): Promise<Result<Record<string, Presence>>>;
  /** This user's presence, asked by a contact's session (`asker`): one this user blocked sees it offline. */
  presence(asker: string): Result<Presence>;
  /** A one-time ticket for the user's next WebSocket upgrade. */
  issueTicket(): Promise<Result<{ ticket: string; expiresAt: number }>>;
  /** Charges one push subscription to the user's hourly allowance. */
  admitPushSubscription(): Result<null>;
  /** `POST /v1/conversations/:id/reports`: a member reports a message, within a daily allowance (user-session/reports.ts). */
  report(conversationId: string, request: ReportRequest): Promise<Result<ReportReceipt>>;
}

/** What a device appends to a conversation's log: a message (maybe a reply), or an action on an earlier message. */
export type Outgoing = OutgoingMessage | OutgoingAction;
/**
 * A message. Its attachments were uploaded by the sender to this conversation: the sender's session filled in each
 * one's hash from its record of the upload, and the Conversation checks each in R2 before sequencing.
 */
export interface OutgoingMessage {
  clientMsgId: string;
  body: string;
  replyTo?: number;
  attachments?: Attachment[];
}
export interface OutgoingAction {
  clientMsgId: string;
  action: ActionRequest;
}

export interface CreateRequest {
  id: string;
  kind: ConversationKind;
  title: string;
  creator: string;
  members: string[];
  /** A group's setting; new groups show new members the history from their joining on. */
  history?: HistoryVisibility;
}

export interface SendOutcome {
  results: Result<SendResult>[];
  /** What the sender's devices are owed about its earlier messages: it rides on the answer it waits for anyway. */
  receipt?: Receipt;
  /**
   * In a direct conversation whose other member has a device connected, the send waits (briefly) for that
   * delivery: how far the other member then has the conversation delivered and read.
   */
  deliveredSeq?: number;
  readSeq?: number;
}

/** What a member's devices are told about the member's own messages (see conversation/receipts.ts). */
export interface Receipt {
  /** The other member of a direct conversation; absent for a group (every other member). */
  userId?: string;
  deliveredSeq?: number;
  readSeq?: number;
}

export interface DeliveredMessage {
  seq: number;
  /** The protocol's message object as JSON text: `{"conversationId",…,"sentAt"}`. */
  json: string;
}

/** What a Conversation hands a member's session in one call. */
export interface Delivery {
  conversationId: string;
  /** The conversation as this member sees it: sent when its membership, title or this member's part changed. */
  info?: ConversationState;
  /** Ascending seqs, contiguous but for the member's own messages (its session sent those to its devices). */
  messages?: DeliveredMessage[];
  receipt?: Receipt;
  /** Someone else is typing: shown, never stored. */
  typing?: string;
}

/**
 * The session's answer. `live`: it has a device connected (and handed the messages to every device); when not, the
 * Conversation stops pushing until the session comes back for what it missed (`attach`). `epoch` is the session's
 * connection epoch, so an old answer cannot undo a newer `attach`. `readSeq`: a device shows the conversation, so
 * what arrived is read. `needInfo`: the session does not know the conversation; nothing was taken.
 */
export interface DeliveryAnswer {
  live: boolean;
  epoch: number;
  readSeq?: number;
  needInfo?: true;
}

/** What `attach` and `range` tell a member's session about the conversation besides the messages. */
export interface ConversationPosition {
  state: ConversationState;
  /** The oldest seq the conversation still has here; older ones are at origin or gone (resync). */
  oldestSeq: number;
}

export interface RangeAnswer extends ConversationPosition {
  /** The `after` the page starts from: the one asked, or the seq before the first this member may see if later. */
  after: number;
  messages: DeliveredMessage[];
  /** Messages after the last one returned remain. */
  more: boolean;
  /** `after` is older than what is kept here (and no origin has it): the device starts over from history. */
  resync: boolean;
}
