/**
 * The runtime's entry points of an object class, wrapped once where the class is defined, as partyserver's base class
 * owns them: every call runs under the instance's meter when it has one (meter.ts), and a call that throws is logged
 * with the class, the object's name and the entry (`Error in Conversation:g:… send`), then answered with the
 * protocol's error value, so no exception's text reaches a caller: an RPC method answers the `internal` Result, `fetch`
 * the `internal` HTTP error, a WebSocket handler nothing more (a frame's own failure is answered by its handler with an
 * error frame), and `alarm` throws on, so the runtime retries it.
 */
import { errorResponse, failWith, INTERNAL_ERROR } from "../../protocol/index.js";
import { logFailure } from "./log.js";

/** What the wrapper uses of the meter (meter.ts): an invocation run under it is counted. */
export interface Metered {
  run<T>(entry: string, work: () => T): T;
}

export interface EntryHost {
  readonly meter: Metered | null;
  /** The object's name (the id it is addressed by), for logs. */
  readonly name: string;
}

export type RuntimeEntry = "fetch" | "alarm" | "webSocketMessage" | "webSocketClose" | "webSocketError";

/** What a failed entry answers, once its failure is logged. */
const ANSWERS: Record<RuntimeEntry | "rpc", (error: unknown) => unknown> = {
  rpc: () => failWith(INTERNAL_ERROR),
  fetch: () => errorResponse(INTERNAL_ERROR),
  alarm: (error) => {
    throw error;
  },
  webSocketMessage: () => undefined,
  webSocketClose: () => undefined,
  webSocketError: () => undefined,
};

type Method = (this: EntryHost, ...args: unknown[]) => unknown;

export function entryPoints<Rpc>(
  cls: abstract new (...args: never[]) => EntryHost & Rpc,
  className: string,
  rpc: readonly (keyof Rpc & string)[],
  runtime: readonly RuntimeEntry[],
): void {
  const proto = cls.prototype as unknown as Record<string, Method>;
  const wrap = (name: string, answer: (error: unknown) => unknown) => {
    const original = proto[name];
    if (typeof original !== "function") throw new Error(`${className} has no method ${name}`);
    const entry = entryName(name);
    proto[name] = function (this: EntryHost, ...args: unknown[]) {
      const failed = (error: unknown) => {
        logFailure(className, this.name, name, error);
        return answer(error);
      };
      const call = () => {
        try {
          const result = original.apply(this, args);
          return result instanceof Promise ? result.catch(failed) : result;
        } catch (error) {
          return failed(error);
        }
      };
      return this.meter ? this.meter.run(entry, call) : call();
    };
  };
  for (const name of rpc) wrap(name, ANSWERS.rpc);
  for (const name of runtime) wrap(name, ANSWERS[name]);
}

/** How the meter names an entry: `fetch`, `alarm`, `ws:message`…, `rpc:<method>`. */
function entryName(method: string): string {
  if (method === "fetch" || method === "alarm") return method;
  if (method === "webSocketMessage") return "ws:message";
  if (method === "webSocketClose") return "ws:close";
  if (method === "webSocketError") return "ws:error";
  return `rpc:${method}`;
}
