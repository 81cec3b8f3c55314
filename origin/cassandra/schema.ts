/** Applies origin/schema.cql to the configured keyspace; every statement is `IF NOT EXISTS`. */
import { readFile } from "node:fs/promises";
import type cassandra from "cassandra-driver";
import type { CassandraConfig } from "../config.js";
import { SCHEMA_FILE } from "../schema-file.js";

const KEYSPACE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,47}$/;
/** It is written into the schema's text: no quote may end the string it stands in. */
const DATA_CENTER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export async function applySchema(client: cassandra.Client, config: CassandraConfig): Promise<void> {
  if (!KEYSPACE_NAME.test(config.keyspace)) throw new Error(`invalid keyspace name ${JSON.stringify(config.keyspace)}`);
  if (!DATA_CENTER_NAME.test(config.localDataCenter))
    throw new Error(`invalid data center name ${JSON.stringify(config.localDataCenter)}`);
  for (const statement of schemaStatements(await readFile(SCHEMA_FILE, "utf8"), config)) {
    // Schema changes one at a time: the driver waits for schema agreement after each, as Cassandra requires.
    await client.execute(statement, [], { prepare: false });
  }
}

export function schemaStatements(cql: string, config: CassandraConfig): string[] {
  return cql
    .split("\n")
    .filter((line) => !line.trim().startsWith("--"))
    .join("\n")
    .split(";")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) =>
      s
        .replace(/\bKEYSPACE IF NOT EXISTS chat\b/, `KEYSPACE IF NOT EXISTS ${config.keyspace}`)
        .replace(/\bchat\./g, `${config.keyspace}.`)
        .replace(/'datacenter1': 1\b/, `'${config.localDataCenter}': ${config.replicationFactor}`),
    );
}
