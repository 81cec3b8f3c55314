/** Per-file setup: one real edge runtime, fresh user names per test so tests never see each other's data. */
import { afterAll, beforeAll } from "vitest";
import { Api, type UserApi } from "./api.js";
import { startEdge, type Edge, type EdgeOptions } from "./edge.js";
import { TestSocket } from "./socket.js";

export interface EdgeFixture {
  edge: Edge;
  api: Api;
  /** Users with unique names (`alice-7`), each with an HTTP client and a way to open sockets. */
  users<const N extends string[]>(...names: N): Promise<{ [K in keyof N]: TestUser }>;
}

export interface TestUser extends UserApi {
  connect(device?: string): Promise<TestSocket>;
}

/** Rate limits well above what a test sends: for tests of delivery, order and recovery, not of the limits. */
export const HIGH_LIMITS: Record<string, string> = Object.fromEntries(
  ["RATE_LIMIT", "FANOUT_LIMIT", "FRAME_LIMIT"].flatMap((name) => [
    [`${name}_PER_SEC`, "100000"],
    [`${name}_BURST`, "100000"],
  ]),
);

let counter = 0;

export function useEdge(options: EdgeOptions = {}): EdgeFixture {
  const fixture = {} as EdgeFixture;
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    fixture.edge = await startEdge(options);
    fixture.api = new Api(fixture.edge.url);
    fixture.users = (async (...names: string[]) => {
      const suffix = `${process.pid}-${++counter}`;
      return Promise.all(
        names.map(async (name) => {
          const user = (await fixture.api.as(`${name}-${suffix}`)) as TestUser;
          user.connect = async (device?: string) => {
            const socket = await TestSocket.open(fixture.edge.wsUrl, user.token, device);
            sockets.push(socket);
            return socket;
          };
          return user;
        }),
      );
    }) as EdgeFixture["users"];
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await fixture.edge?.stop();
  });
  return fixture;
}
