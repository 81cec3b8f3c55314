/** HTTP calls of protocol v1 as one user. */
export interface Reply<T = any> {
  status: number;
  body: T;
}

export class Api {
  constructor(readonly url: string) {}

  async raw(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)["Content-Type"] = "application/json";
    }
    const res = await fetch(`${this.url}${path}`, init);
    const text = await res.text();
    return { status: res.status, body: text ? safeJson(text) : null };
  }

  async token(userId: string): Promise<string> {
    const reply = await this.raw("POST", "/v1/dev/token", { userId });
    if (reply.status !== 200) throw new Error(`dev token: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body.token as string;
  }

  async as(userId: string): Promise<UserApi> {
    return new UserApi(this, userId, await this.token(userId));
  }

  /** The user's setting: added to groups at once, not invited (once per user per Api). */
  async takeGroups(userId: string): Promise<void> {
    if (this.takingGroups.has(userId)) return;
    const reply = await (await this.as(userId)).call("PUT", "/v1/settings", { groupAdds: "anyone" });
    if (reply.status !== 200) throw new Error(`settings: ${reply.status} ${JSON.stringify(reply.body)}`);
    this.takingGroups.add(userId);
  }

  private readonly takingGroups = new Set<string>();
}

export class UserApi {
  constructor(
    readonly api: Api,
    readonly userId: string,
    readonly token: string,
  ) {}

  call(method: string, path: string, body?: unknown): Promise<Reply> {
    return this.api.raw(method, path, body, { Authorization: `Bearer ${this.token}` });
  }

  async direct(peer: string): Promise<string> {
    const reply = await this.call("POST", "/v1/conversations", { kind: "direct", peer });
    if (reply.status !== 201 && reply.status !== 200)
      throw new Error(`direct: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body.id as string;
  }

  /**
   * A group whose members are in it at once: each first takes groups without an invite (its setting), as messaging
   * tests need. Invites, roles and blocks are tested with `createGroup` and the settings as they are.
   */
  async group(members: string[], title = "group", extra: Record<string, unknown> = {}): Promise<string> {
    for (const userId of members) if (userId !== this.userId) await this.api.takeGroups(userId);
    return this.createGroup(members, title, extra);
  }

  async createGroup(members: string[], title = "group", extra: Record<string, unknown> = {}): Promise<string> {
    const reply = await this.call("POST", "/v1/conversations", { kind: "group", members, title, ...extra });
    if (reply.status !== 201) throw new Error(`group: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body.id as string;
  }

  send(conversationId: string, clientMsgId: string, body: string): Promise<Reply> {
    return this.call("POST", `/v1/conversations/${conversationId}/messages`, { clientMsgId, body });
  }

  history(conversationId: string, query = ""): Promise<Reply> {
    return this.call("GET", `/v1/conversations/${conversationId}/messages${query}`);
  }

  /** `POST …/actions`: an edit, delete or reaction over HTTP. */
  act(conversationId: string, action: Record<string, unknown>): Promise<Reply> {
    return this.call("POST", `/v1/conversations/${conversationId}/actions`, action);
  }

  search(conversationId: string, q: string, extra = ""): Promise<Reply> {
    return this.call("GET", `/v1/conversations/${conversationId}/search?q=${encodeURIComponent(q)}${extra}`);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
