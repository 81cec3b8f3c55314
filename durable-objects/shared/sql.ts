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
 * as a schema change, with no row rewritten. `schema` is the table's CREATE statement when the caller read it already.
 * Otherwise a statement naming the columns is prepared first, which reads no row: an object wakes often (a
 * hibernated session with every frame), and reading its schema each time would be rows read, billed, for nothing.
 */
export function addMissingColumns(sql: Sql, table: string, columns: readonly string[], schema?: string): void {
  const names = columns.map((column) => column.split(" ")[0]!);
  if (schema === undefined && hasColumns(sql, table, names)) return;
  const stored = schema ?? String(sql.exec("SELECT sql FROM sqlite_master WHERE name = ?", table).one().sql);
  for (const [i, name] of names.entries()) {
    if (!new RegExp(`\\b${name}\\b`).test(stored)) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${columns[i]}`);
  }
}

/** Whether `table` has every one of `names`: a statement naming a missing column fails to prepare. */
function hasColumns(sql: Sql, table: string, names: readonly string[]): boolean {
  return prepares(sql, `SELECT ${names.join(", ")} FROM ${table} LIMIT 0`);
}

/** Whether `query` (one that reads no row) prepares and runs: a question about the schema that costs no row read. */
function prepares(sql: Sql, query: string): boolean {
  try {
    sql.exec(query);
    return true;
  } catch {
    return false;
  }
}

/**
 * Rebuilds `table` as the `WITHOUT ROWID` table `create` makes (given a name) when it was created as a rowid table: a
 * rowid table with a text primary key writes two rows (the row and its key's index entry) for every insert and
 * delete, where `WITHOUT ROWID` writes one. The check prepares a statement naming `rowid`, which a `WITHOUT ROWID`
 * table refuses, so an object already rebuilt reads no row. Both tables must have the same columns in the same order.
 */
export function rebuildWithoutRowid(store: SqlStore, table: string, create: (name: string) => string): void {
  if (!prepares(store.sql, `SELECT rowid FROM ${table} LIMIT 0`)) return;
  const rebuilt = `${table}_rebuilt`;
  store.transactionSync(() => {
    store.sql.exec(create(rebuilt));
    store.sql.exec(`INSERT INTO ${rebuilt} SELECT * FROM ${table}`);
    store.sql.exec(`DROP TABLE ${table}`);
    store.sql.exec(`ALTER TABLE ${rebuilt} RENAME TO ${table}`);
  });
}
