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
 * as a schema change, with no row rewritten. `schema` is the table's CREATE statement when the caller read it already;
 * otherwise one row of sqlite_master is read.
 */
export function addMissingColumns(
  sql: Sql,
  table: string,
  columns: readonly string[],
  schema = String(sql.exec("SELECT sql FROM sqlite_master WHERE name = ?", table).one().sql),
): void {
  for (const column of columns) {
    const name = column.split(" ")[0]!;
    if (!new RegExp(`\\b${name}\\b`).test(schema)) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column}`);
  }
}
