/** Serves a Hono app on Node (@hono/node-server) at the configured address; the URL names the bound port. */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";

export interface Listening {
  url: string;
  port: number;
  /** Stops accepting; resolves when in-flight requests finished. */
  close(): Promise<void>;
}

/** A Hono app of any Env: the server only calls its `fetch`. */
type App = { fetch: Parameters<typeof serve>[0]["fetch"] };

export async function listen(app: App, address: { host: string; port: number }): Promise<Listening> {
  const server = serve({ fetch: app.fetch, port: address.port, hostname: address.host });
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const host = address.host === "0.0.0.0" ? "127.0.0.1" : address.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
