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

  async group(members: string[], title = "group"): Promise<string> {
    const reply = await this.call("POST", "/v1/conversations", { kind: "group", members, title });
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
