/**
 * Where schema.cql lives: next to this module, both in the source tree (origin/) and in the Docker image, where the
 * bundled origin/main.mjs sits beside a copy of it (origin/Dockerfile). Kept at the origin's root for that reason.
 */
export const SCHEMA_FILE = new URL("./schema.cql", import.meta.url);
