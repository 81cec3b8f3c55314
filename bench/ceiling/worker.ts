/**
 * The ceiling: the least a Durable Object chat can do per message. One `Room` object per room holds its
 * sockets with the Hibernation API (as our UserSession does) and relays every frame, as is, to every socket
 * in the room, the sender's included (its own copy stands in for the ack). No auth, no storage, no ids, no
 * checks: what our edge does on top of this is what the ratio in docs/benchmarks.md measures.
 *
 * This file is bundled for workerd but typechecked with the Node config (tsconfig.node.json), which has no
 * Workers types; the few runtime types it touches are declared here instead.
 */
interface RoomState {
  acceptWebSocket(ws: WebSocket, tags?: string[]): void;
  getWebSockets(tag?: string): WebSocket[];
  setWebSocketAutoResponse(pair: unknown): void;
}
interface RoomNamespace {
  idFromName(name: string): unknown;
  get(id: unknown): { fetch(request: Request): Promise<Response> };
}
declare const WebSocketPair: { new (): { 0: WebSocket; 1: WebSocket } };
declare const WebSocketRequestResponsePair: { new (request: string, response: string): unknown };

export class Room {
  /** Keep-alive pings are answered by the runtime, as our UserSession's are (the `connections` scenario). */
  constructor(private readonly ctx: RoomState) {
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  fetch(): Response {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.send('{"type":"hello"}');
    return new Response(null, { status: 101, webSocket: client } as ResponseInit);
  }

  webSocketMessage(_ws: WebSocket, message: string | ArrayBuffer): void {
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.send(message);
      } catch {
        // Closed meanwhile.
      }
    }
  }

  webSocketClose(ws: WebSocket, code: number): void {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code);
    } catch {
      // Already closed.
    }
  }
}

export default {
  /** `GET /room/<name>` + WebSocket upgrade → that room's object. */
  fetch(request: Request, env: { ROOM: RoomNamespace }): Promise<Response> | Response {
    const name = new URL(request.url).pathname.match(/^\/room\/([^/]+)$/)?.[1];
    if (!name || request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return new Response("not found", { status: 404 });
    return env.ROOM.get(env.ROOM.idFromName(name)).fetch(request);
  },
};
