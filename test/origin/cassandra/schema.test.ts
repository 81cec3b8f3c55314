/** The schema as origin applies it: the configured keyspace, data center and replication factor in every statement. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { schemaStatements } from "../../../origin/cassandra/schema.js";
import { SCHEMA_FILE } from "../../../origin/schema-file.js";

const cql = readFileSync(SCHEMA_FILE, "utf8");

describe("origin schema", () => {
  it("creates the keyspace with NetworkTopologyStrategy: the configured replicas in the local data center", () => {
    const statements = schemaStatements(cql, {
      contactPoints: ["127.0.0.1"],
      localDataCenter: "dc1",
      keyspace: "prod_chat",
      replicationFactor: 3,
    });
    expect(statements[0]).toBe(
      "CREATE KEYSPACE IF NOT EXISTS prod_chat\n  WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3}",
    );
    for (const statement of statements.slice(1)) {
      expect(statement).not.toMatch(/\bchat\./);
      expect(statement).toMatch(/prod_chat\./);
    }
  });
});
