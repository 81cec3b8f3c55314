/**
 * Unit tests of the SQL-backed modules (the conversation's store and log, a session's positions) run them inside
 * workerd, on a real Durable Object's SQLite: `useModuleHost()` starts a runtime with the module host (worker.ts) for
 * the test file, and `object()` gives a fresh object to open modules on.
 */
import { Miniflare } from "miniflare";
import { resolve } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { bundleForWorkerd, ROOT } from "../bundle.js";
import { compatibilityDate, compatibilityFlags } from "../edge.js";
import type { ModuleKind, Modules } from "./kinds.js";

/** A module driven from the test: every method (and getter, called without arguments) answers asynchronously. */
export type Driven<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : () => Promise<T[K]>;
};

export interface HostObject {
  /** A new instance of the module over this object's storage; another on the same object is a restart. */
  open<K extends ModuleKind>(kind: K, ...args: Modules[K]["args"]): Promise<Driven<Modules[K]["instance"]>>;
}

interface HostRpc {
  build(kind: ModuleKind, args: unknown[]): Promise<number>;
  call(handle: number, name: string, args: unknown[]): Promise<unknown>;
}

const BUNDLE = resolve(ROOT, ".build/test/module-host.js");
let objects = 0;

export function useModuleHost(): { object(): Promise<HostObject> } {
  let mf: Miniflare | undefined;
  beforeAll(async () => {
    await bundleForWorkerd("test/support/module-host/worker.ts", BUNDLE);
    mf = new Miniflare({
      modules: true,
      scriptPath: BUNDLE,
      compatibilityDate,
      compatibilityFlags,
      durableObjects: { HOST: { className: "ModuleHost", useSQLite: true } },
    });
    await mf.ready;
  });
  afterAll(async () => {
    await mf?.dispose();
  });
  return {
    async object() {
      const namespace = await mf!.getDurableObjectNamespace("HOST");
      const stub = namespace.get(namespace.idFromName(`object-${process.pid}-${++objects}`)) as unknown as HostRpc;
      return {
        async open(kind, ...args) {
          const handle = await stub.build(kind, args);
          // Not a thenable: `await` must not take `then` for a method of the module.
          const get = (_: object, name: string | symbol) =>
            name === "then" ? undefined : (...callArgs: unknown[]) => stub.call(handle, String(name), callArgs);
          return new Proxy({}, { get }) as never;
        },
      };
    },
  };
}
