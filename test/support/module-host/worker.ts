/**
 * Test-only Worker: a Durable Object whose storage the unit tests of the SQL-backed modules run on, since only workerd
 * has a Durable Object's SQLite. The test opens a module on an object (`build`) and drives it (`call`) over RPC; a
 * module built again on the same object is a fresh instance over the same storage, as after a restart. Nothing here is
 * part of the edge: it bundles the modules under test with this file only (test/support/module-host/index.ts).
 *
 * Typechecked with the edge's config (Workers types), not the Node one.
 */
import { DurableObject } from "cloudflare:workers";
import { MessageLog } from "../../../durable-objects/conversation/message-log.js";
import { ConversationStore } from "../../../durable-objects/conversation/store.js";
import { ReportStore } from "../../../durable-objects/moderation/store.js";
import { Conversations } from "../../../durable-objects/user-session/conversations.js";
import { USER_SESSION_SCHEMA } from "../../../durable-objects/user-session/schema.js";
import { addMissingColumns, rebuildWithoutRowid, type Sql } from "../../../durable-objects/shared/sql.js";
import type { Counted, ModuleKind, Modules, SqlConsole, StorageText } from "./kinds.js";

type Builders = {
  [K in ModuleKind]: (storage: DurableObjectStorage, ...args: Modules[K]["args"]) => Modules[K]["instance"];
};

const BUILDERS: Builders = {
  conversationStore: (storage, log) => new ConversationStore(storage, log),
  messageLog: (storage, log) => new MessageLog(storage.sql, log),
  reportStore: (storage) => new ReportStore(storage.sql),
  storageText: (storage) => storageText(storage),
  sqlConsole: (storage) => sqlConsole(storage),
  positions: (storage, checkpointMs) => {
    storage.sql.exec(USER_SESSION_SCHEMA);
    return new Conversations(storage.sql, checkpointMs);
  },
};

function storageText(storage: DurableObjectStorage): StorageText {
  const decoder = new TextDecoder();
  const text = (value: unknown) => (value instanceof ArrayBuffer ? decoder.decode(value) : String(value));
  return {
    dump() {
      const tables = storage.sql
        .exec(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%' AND sql NOT LIKE '%VIRTUAL%'",
        )
        .toArray()
        .map((row) => String(row.name));
      return tables
        .flatMap((name) => storage.sql.exec(`SELECT * FROM "${name}"`).toArray())
        .map((row) => Object.values(row).map(text).join(" "))
        .join("\n");
    },
  };
}

/** Runs `work` on a SQL handle that counts the rows every statement read and wrote, as the edge's meter does. */
function counted<T>(storage: DurableObjectStorage, work: (sql: Sql) => T): Counted<T> {
  let rowsRead = 0;
  let rowsWritten = 0;
  const sql: Sql = {
    exec(query, ...bindings) {
      const cursor = storage.sql.exec(query, ...bindings);
      const rows = cursor.toArray();
      rowsRead += cursor.rowsRead;
      rowsWritten += cursor.rowsWritten;
      return Object.assign(rows, { toArray: () => rows, one: () => rows[0]! });
    },
  };
  const result = work(sql);
  return { result, rowsRead, rowsWritten };
}

function sqlConsole(storage: DurableObjectStorage): SqlConsole {
  return {
    exec: (query, ...bindings) => counted(storage, (sql) => sql.exec(query, ...bindings).toArray()),
    addMissingColumns: (table, columns) => counted(storage, (sql) => addMissingColumns(sql, table, columns)),
    rebuildWithoutRowid: (table, create) =>
      counted(storage, (sql) =>
        rebuildWithoutRowid({ sql, transactionSync: (work) => storage.transactionSync(work) }, table, (name) =>
          create.replace("{name}", name),
        ),
      ),
  };
}

export class ModuleHost extends DurableObject {
  private readonly modules = new Map<number, object>();

  build(kind: ModuleKind, args: unknown[]): number {
    const build = BUILDERS[kind] as (storage: DurableObjectStorage, ...args: unknown[]) => object;
    const handle = this.modules.size + 1;
    this.modules.set(handle, build(this.ctx.storage, ...args));
    return handle;
  }

  /** Calls a method of a module built here, or reads a property (a getter) when `name` is not a method. */
  call(handle: number, name: string, args: unknown[]): unknown {
    const target = this.modules.get(handle) as Record<string, unknown> | undefined;
    if (!target) throw new Error(`no module ${handle}`);
    const member = target[name];
    return typeof member === "function" ? (member as (...a: unknown[]) => unknown).apply(target, args) : member;
  }
}

export default {
  fetch: () => new Response(null, { status: 404 }),
} satisfies ExportedHandler;
