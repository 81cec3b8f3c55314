/** Sockets a test can drop: the `ws` WebSocket class for a ChatClient, keeping hold of the socket the client opened last. */
import WebSocket from "ws";

export interface Droppable {
  /** Pass as ChatClient's `WebSocket` option. */
  WebSocket: typeof globalThis.WebSocket;
  /** Closes the client's socket from this side (code 4000), as a network failure would end it; the client reconnects. */
  drop(): void;
}

export function droppable(): Droppable {
  let last: WebSocket | null = null;
  class Held extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols);
      last = this;
    }
  }
  return { WebSocket: Held as unknown as typeof globalThis.WebSocket, drop: () => last?.close(4000, "dropped") };
}
