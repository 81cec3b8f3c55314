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
