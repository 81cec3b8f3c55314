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
