/** The HTTP half of the protocol (docs/protocol.md), typed. Errors come back as `ApiError` carrying the protocol's error value. */
import type { Attachment, UploadResult } from "../protocol/attachments.js";
import type { ChatError } from "../protocol/errors.js";
import type { ReportReason, ReportReceipt } from "../protocol/reports.js";
import type { BlockList, ChangeMembers, GroupSettings, HistoryVisibility, UserSettings } from "../protocol/safety.js";
import type {
  ConversationDetail,
  ConversationInfo,
  ConversationState,
  HistoryPage,
  Presence,
  SearchPage,
  SendResult,
} from "../protocol/message.js";

export type { ReportReason } from "../protocol/reports.js";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: ChatError,
  ) {
    super(`${status} ${error.code}: ${error.message}`);
  }
}

export class ChatApi {
  constructor(
    readonly url: string,
    private token: string,
  ) {}

  /** `POST /v1/dev/token` (only where the edge runs with DEV_AUTH=1). */
  static async devToken(url: string, userId: string): Promise<string> {
    const { token } = await request<{ token: string }>(url, "POST", "/v1/dev/token", undefined, { userId });
    return token;
  }

  /** `POST /v1/connect/ticket`: a one-time ticket for the next WebSocket upgrade (valid 30 s). */
  connectTicket(): Promise<{ ticket: string; expiresAt: number }> {
    return this.call("POST", "/v1/connect/ticket");
  }

  createDirect(peer: string): Promise<ConversationInfo> {
    return this.call("POST", "/v1/conversations", { kind: "direct", peer });
  }

  /** Members are invited (or added at once, by their setting); `history`: what members who join later see. */
  createGroup(members: string[], title: string, history?: HistoryVisibility): Promise<ConversationInfo> {
    return this.call("POST", "/v1/conversations", { kind: "group", members, title, ...(history ? { history } : {}) });
  }

  async conversations(): Promise<ConversationState[]> {
    return (await this.call<{ conversations: ConversationState[] }>("GET", "/v1/conversations")).conversations;
  }

  conversation(id: string): Promise<ConversationDetail> {
    return this.call("GET", `/v1/conversations/${encodeURIComponent(id)}`);
  }

  /** Admins invite (or add), remove, promote and demote; any member removes itself (see `leave`). */
  changeMembers(id: string, change: ChangeMembers): Promise<ConversationInfo> {
    return this.call("POST", `/v1/conversations/${encodeURIComponent(id)}/members`, change);
  }

  leave(id: string, me: string): Promise<ConversationInfo> {
    return this.changeMembers(id, { remove: [me] });
  }

  /** An admin renames a group or sets what members who join later see of its history. */
  changeGroup(id: string, settings: GroupSettings): Promise<ConversationInfo> {
    return this.call("PATCH", `/v1/conversations/${encodeURIComponent(id)}`, settings);
  }

  /** Accepts (joins the group) or declines an invite; a declined invite does not come again. */
  answerInvite(id: string, accept: boolean): Promise<ConversationInfo> {
    return this.call("POST", `/v1/conversations/${encodeURIComponent(id)}/invite`, { accept });
  }

  /** Mutes until `until` (ms), or until unmuted when `until` is left out; answers the conversation as the user sees it. */
  mute(id: string, until?: number): Promise<ConversationState> {
    return this.call("POST", `/v1/conversations/${encodeURIComponent(id)}/mute`, {
      muted: true,
      ...(until !== undefined ? { until } : {}),
    });
  }

  unmute(id: string): Promise<ConversationState> {
    return this.call("POST", `/v1/conversations/${encodeURIComponent(id)}/mute`, { muted: false });
  }

  async blocks(): Promise<string[]> {
    return (await this.call<BlockList>("GET", "/v1/blocks")).blocked;
  }

  /** Blocks a user: neither writes in a direct conversation with them, they cannot add this user to groups. */
  async block(userId: string): Promise<string[]> {
    return (await this.call<BlockList>("PUT", `/v1/blocks/${encodeURIComponent(userId)}`)).blocked;
  }

  async unblock(userId: string): Promise<string[]> {
    return (await this.call<BlockList>("DELETE", `/v1/blocks/${encodeURIComponent(userId)}`)).blocked;
  }

  /**
   * `GET /v1/settings`, or with a change `PUT`: `groupAdds: "anyone"` is added to groups at once, `"invite"` (the
   * default) is invited.
   */
  settings(change?: UserSettings): Promise<UserSettings> {
    return change ? this.call("PUT", "/v1/settings", change) : this.call("GET", "/v1/settings");
  }

  history(id: string, page: { before?: number; after?: number; limit?: number } = {}): Promise<HistoryPage> {
    return this.call("GET", `/v1/conversations/${encodeURIComponent(id)}/messages?${queryOf(page)}`);
  }

  /** Messages with every word of `q` in any of the user's conversations, newest first (no paging: see SearchPage). */
  searchAll(q: string, page: { limit?: number } = {}): Promise<SearchPage> {
    return this.call("GET", `/v1/search?${queryOf({ q, ...page })}`);
  }

  /** Messages with every word of `q` (the last also as a prefix), newest first; `before` pages back. */
  search(id: string, q: string, page: { before?: number; limit?: number } = {}): Promise<SearchPage> {
    return this.call("GET", `/v1/conversations/${encodeURIComponent(id)}/search?${queryOf({ q, ...page })}`);
  }

  send(id: string, clientMsgId: string, body: string, attachments?: Attachment[]): Promise<SendResult> {
    return this.call("POST", `/v1/conversations/${encodeURIComponent(id)}/messages`, {
      clientMsgId,
      body,
      ...(attachments ? { attachments } : {}),
    });
  }

  /**
   * Reports the message at `seq` to the moderators, with a reason and an optional note (at most 500 chars); `block`
   * also blocks its sender. Reporting the same message again answers the first report (`duplicate`).
   */
  report(id: string, seq: number, reason: ReportReason, note?: string, block?: boolean): Promise<ReportReceipt> {
    return this.call("POST", `/v1/conversations/${encodeURIComponent(id)}/reports`, {
      seq,
      reason,
      ...(note !== undefined ? { note } : {}),
      ...(block !== undefined ? { block } : {}),
    });
  }

  /**
   * Uploads a file to a conversation: a Blob is sent with its length and type (`file.type`, one of the allowed
   * types). The answer is the reference to put in a message, with any width, height and preview the client adds.
   */
  async uploadAttachment(id: string, file: Blob, name: string): Promise<UploadResult> {
    const path = `/v1/conversations/${encodeURIComponent(id)}/attachments?${queryOf({ name })}`;
    const res = await fetch(`${this.url}${path}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${this.token}`, "Content-Type": file.type },
      body: file,
    });
    return answer<UploadResult>(res);
  }

  /** The file's response (streamed; the caller reads it): downloads need the token, so not a plain URL. */
  async downloadAttachment(id: string, attachmentId: string): Promise<Response> {
    const path = `/v1/conversations/${encodeURIComponent(id)}/attachments/${encodeURIComponent(attachmentId)}`;
    const res = await fetch(`${this.url}${path}`, { headers: { Authorization: `Bearer ${this.token}` } });
    return res.ok ? res : answer<never>(res);
  }

  async presence(users: string[]): Promise<Record<string, Presence>> {
    return (
      await this.call<{ presence: Record<string, Presence> }>(
        "GET",
        `/v1/presence?users=${users.map(encodeURIComponent).join(",")}`,
      )
    ).presence;
  }

  subscribePush(subscription: { endpoint: string; keys: { p256dh: string; auth: string } }): Promise<unknown> {
    return this.call("POST", "/v1/push/subscriptions", subscription);
  }

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return request<T>(this.url, method, path, this.token, body);
  }
}

function queryOf(params: Record<string, string | number | undefined>): URLSearchParams {
  return new URLSearchParams(
    Object.entries(params)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, String(v)]),
  );
}

async function request<T>(
  url: string,
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`${url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return answer<T>(res);
}

/** A JSON answer, or its error value thrown as ApiError. */
async function answer<T>(res: Response): Promise<T> {
  const data = (await res.json().catch(() => null)) as { error?: ChatError } | null;
  if (!res.ok) throw new ApiError(res.status, data?.error ?? { code: "internal", message: `HTTP ${res.status}` });
  return data as T;
}
