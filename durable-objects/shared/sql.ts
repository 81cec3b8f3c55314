/**
 * The part of a Durable Object's storage the modules use, as plain types: SQL statements, and synchronous transactions
 * where writes must commit together. The runtime's `ctx.storage` (or the meter's wrapper of it) is one; the modules
 * take these rather than the runtime's classes, so they say what they need and their types check under any config
 * (the tests drive them inside workerd through test/support/module-host).
 */
export type SqlValue = ArrayBuffer | string | number | null;
export type SqlRow = Record<string, SqlValue>;

export interface SqlCursor extends Iterable<SqlRow> {
  toArray(): SqlRow[];
  one(): SqlRow;
}

export interface Sql {
  exec(query: string, ...bindings: unknown[]): SqlCursor;
}

export interface SqlStore {
  readonly sql: Sql;
  transactionSync<T>(work: () => T): T;
}

/**
 * Adds to `table` the columns (`name TYPE …`) its stored schema lacks: objects created before a column existed get it
 * as a schema change, with no row rewritten. One row of sqlite_master read per table.
 */
export function addMissingColumns(sql: Sql, table: string, columns: readonly string[]): void {
  const schema = String(sql.exec("SELECT sql FROM sqlite_master WHERE name = ?", table).one().sql);
  for (const column of columns) {
    const name = column.split(" ")[0]!;
    if (!new RegExp(`\\b${name}\\b`).test(schema)) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column}`);
  }
}
