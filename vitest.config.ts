import { defineConfig } from "vitest/config";

// Integration tests start real servers (workerd via Miniflare, Kafka, Cassandra, Redis): two cores, so two files at a time.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ["default"],
  },
});
