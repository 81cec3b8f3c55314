import { defineConfig } from "vitest/config";

// Integration tests start real servers (workerd via Miniflare, Kafka, Cassandra, Redis): two cores, so two files
// at a time. The chaos file that SIGKILLs the shared Kafka and Cassandra runs alone, after everything else
// (projects run in `groupOrder`), so no other file loses its servers mid-test.
export default defineConfig({
  test: {
    globalSetup: ["test/support/global-setup.ts"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ["default"],
    projects: [
      {
        extends: true,
        test: {
          name: "main",
          include: ["test/**/*.test.ts"],
          exclude: ["test/chaos/servers.test.ts"],
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "server-kills",
          include: ["test/chaos/servers.test.ts"],
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
