/**
 * The ceilings: the least a Durable Object chat can do per message.
 * - `Room` (the ceiling): one object per room holds its sockets with the Hibernation API (as our UserSession
 *   does) and relays every frame, as is, to every socket in the room, the sender's included (its own copy stands
 *   in for the ack). No auth, no storage, no ids, no checks: what our edge does on top of this is what the ratio in
 *   docs/benchmarks.md measures.
 * - `Fanout` + `Person` (the fan-out floor): each user's socket lives in its own `Person` object, as in our edge,
 *   and a frame goes to its room's `Fanout` object by RPC, which makes one RPC per member (the sender's included)
 *   to hand it on. Nothing else: the call structure of our edge with no storage and no logic, what any design that
 *   keeps a user's sockets in the user's own object pays at least.
 *
 * Typechecked with the edge's config (Workers types), not the Node one.
 */
import { DurableObject } from "cloudflare:workers";

interface Env {
  ROOM: DurableObjectNamespace<Room>;
  FANOUT: DurableObjectNamespace<Fanout>;
  PERSON: DurableObjectNamespace<Person>;
}

/** A socket object of either ceiling: accepts upgrades, answers pings, closes politely. */
class SocketHolder extends DurableObject<Env> {
  /** Keep-alive pings are answered by the runtime, as our UserSession's are (the `connections` scenario). */
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  override fetch(): Response {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.send('{"type":"hello"}');
    return new Response(null, { status: 101, webSocket: client });
  }

  protected broadcast(message: string | ArrayBuffer): void {
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.send(message);
      } catch {
        // Closed meanwhile.
      }
    }
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code);
    } catch {
      // Already closed.
    }
  }
}

export class Room extends SocketHolder {
  override webSocketMessage(_ws: WebSocket, message: string | ArrayBuffer): void {
    this.broadcast(message);
  }
}

export class Person extends SocketHolder {
  /** A frame from this person's socket goes to its room (the frame names it: `conversationId`). */
  override async webSocketMessage(_ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const text = String(message);
    const room = (JSON.parse(text) as { conversationId?: string }).conversationId;
    if (room) await this.env.FANOUT.get(this.env.FANOUT.idFromName(room)).post(text);
  }

  push(frame: string): void {
    this.broadcast(frame);
  }
}

export class Fanout extends DurableObject<Env> {
  private members: string[] = [];

  setMembers(members: string[]): void {
    this.members = members;
  }

  async post(frame: string): Promise<void> {
    await Promise.all(this.members.map((m) => this.env.PERSON.get(this.env.PERSON.idFromName(m)).push(frame)));
  }
}

export default {
  /**
   * `GET /room/<name>` + upgrade → that room's object (the ceiling); `GET /person/<name>` + upgrade → that person's
   * object, and `POST /fanout/<room>` with the member names → that room's members (the fan-out floor).
   */
  async fetch(request: Request, env: Env): Promise<Response> {
    const [, kind, name] = new URL(request.url).pathname.match(/^\/(room|person|fanout)\/([^/]+)$/) ?? [];
    if (kind === "fanout" && name && request.method === "POST") {
      await env.FANOUT.get(env.FANOUT.idFromName(name)).setMembers((await request.json()) as string[]);
      return new Response(null, { status: 204 });
    }
    if (!name || request.headers.get("Upgrade")?.toLowerCase() !== "websocket")
      return new Response("not found", { status: 404 });
    return kind === "room"
      ? env.ROOM.get(env.ROOM.idFromName(name)).fetch(request)
      : env.PERSON.get(env.PERSON.idFromName(name)).fetch(request);
  },
};
