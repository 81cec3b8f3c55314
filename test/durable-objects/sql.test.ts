import { describe, expect, it } from "vitest";
import { useModuleHost } from "../support/module-host/index.js";

const host = useModuleHost();

describe("addMissingColumns", () => {
  it("gives a table made before its columns existed those columns, with their defaults on the rows it had", async () => {
    const sql = await (await host.object()).open("sqlConsole");
    await sql.exec("CREATE TABLE members (user_id TEXT PRIMARY KEY)");
    await sql.exec("INSERT INTO members (user_id) VALUES ('alice')");
    await sql.addMissingColumns("members", ["role TEXT NOT NULL DEFAULT 'member'", "muted_until INTEGER"]);
    expect((await sql.exec("SELECT * FROM members")).result).toEqual([
      { user_id: "alice", role: "member", muted_until: null },
    ]);
  });

  it("adds only the columns a table lacks", async () => {
    const sql = await (await host.object()).open("sqlConsole");
    await sql.exec("CREATE TABLE info (id TEXT, history TEXT NOT NULL DEFAULT 'all')");
    await sql.addMissingColumns("info", ["history TEXT NOT NULL DEFAULT 'all'", "mutes INTEGER NOT NULL DEFAULT 0"]);
    const columns = (await sql.exec("SELECT name FROM pragma_table_info('info')")).result.map((c) => c.name);
    expect(columns).toEqual(["id", "history", "mutes"]);
  });

  it("reads and writes no row when the table is up to date, however many rows it has", async () => {
    const sql = await (await host.object()).open("sqlConsole");
    await sql.exec("CREATE TABLE conversations (id TEXT PRIMARY KEY, details TEXT)");
    for (let i = 0; i < 20; i++) await sql.exec("INSERT INTO conversations (id) VALUES (?)", `c${i}`);
    const check = await sql.addMissingColumns("conversations", ["details TEXT"]);
    expect({ rowsRead: check.rowsRead, rowsWritten: check.rowsWritten }).toEqual({ rowsRead: 0, rowsWritten: 0 });
  });
});

describe("rebuildWithoutRowid", () => {
  const CREATE = "CREATE TABLE IF NOT EXISTS {name} (id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID";

  it("rebuilds a rowid table with its rows, after which an insert writes one row instead of two", async () => {
    const sql = await (await host.object()).open("sqlConsole");
    await sql.exec("CREATE TABLE uploads (id TEXT PRIMARY KEY, at INTEGER NOT NULL)");
    expect((await sql.exec("INSERT INTO uploads VALUES ('a', 1)")).rowsWritten).toBe(2);
    await sql.exec("INSERT INTO uploads VALUES ('b', 2)");
    await sql.rebuildWithoutRowid("uploads", CREATE);
    expect((await sql.exec("SELECT * FROM uploads ORDER BY id")).result).toEqual([
      { id: "a", at: 1 },
      { id: "b", at: 2 },
    ]);
    expect((await sql.exec("INSERT INTO uploads VALUES ('c', 3)")).rowsWritten).toBe(1);
    await expect(sql.exec("SELECT rowid FROM uploads")).rejects.toThrow();
  });

  it("reads and writes no row once the table is rebuilt", async () => {
    const sql = await (await host.object()).open("sqlConsole");
    await sql.exec(CREATE.replace("{name}", "uploads"));
    for (let i = 0; i < 20; i++) await sql.exec("INSERT INTO uploads VALUES (?, ?)", `u${i}`, i);
    const check = await sql.rebuildWithoutRowid("uploads", CREATE);
    expect({ rowsRead: check.rowsRead, rowsWritten: check.rowsWritten }).toEqual({ rowsRead: 0, rowsWritten: 0 });
  });
});
