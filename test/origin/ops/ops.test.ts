/**
 * Every origin process can be watched on its ops port, and only there: `/healthz` and `/metrics` are unsigned, so the
 * ingest's published port answers 404 to them. One that runs only consumers serves them too, with its consumers
 * among the checks. A consumer that kafkajs gives up on (here: another application already holds the
 * group with a partition assignor the persister does not speak, which the broker refuses without retry) turns
 * the process unhealthy, and production's main exits 1 so that the container is restarted.
 */
import { once } from "node:events";
import { createServer } from "node:net";
import { AssignerProtocol, type Consumer, type PartitionAssigner } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServices } from "../../../origin/main.js";
import {
  accepts,
  configOf,
  countMessages,
  ingest,
  log,
  messageEvents,
  spawnOrigin,
  startProcess,
  testKafka,
  useOriginRun,
  waitFor,
  withKafkaAdmin,
} from "../support.js";

const run = useOriginRun("ops");

describe("unsigned /metrics and /healthz on the ingest port", () => {
  it("are served on the ops port only, bound to loopback: the ingest port answers 404 not_found", async () => {
    const origin = await startServices(configOf({ ...run.env, ORIGIN_SERVICES: "ingest,persister" }), log);
    try {
      for (const path of ["/healthz", "/metrics"]) {
        const res = await fetch(`${origin.url}${path}`);
        expect(res.status).toBe(404);
        expect((await res.json()).error.code).toBe("not_found");
      }
      const health = await fetch(`${origin.opsUrl}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({
        ok: true,
        checks: { kafka: "ok", cassandra: "ok", redis: "ok", persister: "ok" },
        failed: {},
      });
      expect(await (await fetch(`${origin.opsUrl}/metrics`)).text()).toMatch(
        /^# TYPE origin_ingested_events_total counter$/m,
      );
      // ORIGIN_OPS_HOST defaults to 127.0.0.1: another address of the machine (127.0.0.2 is loopback too) gets nothing.
      const opsPort = Number(new URL(origin.opsUrl).port);
      expect(new URL(origin.opsUrl).hostname).toBe("127.0.0.1");
      expect(await accepts("127.0.0.2", opsPort)).toBe(false);
      expect(await accepts("127.0.0.1", opsPort)).toBe(true);
    } finally {
      await origin.stop();
    }
  });
});

describe("a process without ingest", () => {
  it("serves /healthz with its consumer among the checks, and /metrics with what it persisted", async () => {
    const persister = await startServices(configOf({ ...run.env, ORIGIN_SERVICES: "persister" }), log);
    const ingestOnly = await startProcess(run.config, "ingest", run.backends);
    try {
      const health = await fetch(`${persister.opsUrl}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({
        ok: true,
        checks: { kafka: "ok", cassandra: "ok", redis: "ok", persister: "ok" },
        failed: {},
      });

      expect((await ingest(ingestOnly.url, messageEvents("ops-conv", 1, 5))).status).toBe(200);
      await waitFor("5 stored rows", async () => (await countMessages(run.backends, run.config, "ops-conv", 5)) === 5);
      // The counter moves once the batch is done, a moment after its rows are readable.
      let metrics = "";
      await waitFor("the persisted counter", async () =>
        /^origin_persisted_messages_total [1-9]\d*$/m.test(
          (metrics = await (await fetch(`${persister.opsUrl}/metrics`)).text()),
        ),
      );
      expect(metrics).toMatch(
        new RegExp(
          `^origin_consumer_lag\\{group="${run.config.kafka.groups.persister}",topic="[^"]+",partition="\\d+"\\} \\d+$`,
          "m",
        ),
      );

      const ingestHere = await fetch(`${persister.opsUrl}/v1/ingest`, { method: "POST", body: "{}" });
      expect(ingestHere.status).toBe(404);
      expect((await ingestHere.json()).error.code).toBe("not_found");
    } finally {
      await ingestOnly.stop();
      await persister.stop();
    }
  });

  it("refuses to start when its port is taken, and leaves no consumer running behind the error", async () => {
    const squatter = createServer().listen(0, "127.0.0.1");
    await once(squatter, "listening");
    const { port } = squatter.address() as { port: number };
    try {
      await expect(
        startServices(configOf({ ...run.env, ORIGIN_SERVICES: "persister", ORIGIN_OPS_PORT: String(port) }), log),
      ).rejects.toThrow(/EADDRINUSE/);
      const members = await withKafkaAdmin(
        run.config,
        async (admin) => (await admin.describeGroups([run.config.kafka.groups.persister])).groups[0]!.members,
      );
      expect(members).toEqual([]);
    } finally {
      squatter.close();
    }
  });
});

describe("a consumer kafkajs gives up on", () => {
  let foreign: Consumer;

  beforeAll(async () => {
    foreign = testKafka(run.config).consumer({
      groupId: run.config.kafka.groups.persister,
      partitionAssigners: [foreignAssigner],
      sessionTimeout: 6_000,
      heartbeatInterval: 1_000,
    });
    const joined = new Promise((resolve) => foreign.on(foreign.events.GROUP_JOIN, resolve));
    await foreign.connect();
    await foreign.subscribe({ topic: run.config.kafka.topics.messages });
    await foreign.run({ eachMessage: async () => undefined });
    await joined;
  });

  afterAll(async () => {
    await foreign?.disconnect();
  });

  it("makes /healthz answer 503 naming the consumer, and the process's `failed` resolve", async () => {
    const persister = await startServices(configOf({ ...run.env, ORIGIN_SERVICES: "persister" }), log);
    try {
      const error = await persister.failed;
      expect(error.message).toMatch(/protocol/i);
      const health = await fetch(`${persister.opsUrl}/healthz`);
      expect(health.status).toBe(503);
      const report = await health.json();
      expect(report).toMatchObject({
        ok: false,
        checks: { kafka: "ok", cassandra: "ok", redis: "ok", persister: "failed" },
      });
      expect(report.failed.persister).toMatch(/^consumer stopped: /);
    } finally {
      await persister.stop();
    }
  });

  it("makes origin/main.ts exit 1, so that the container is restarted", async () => {
    const child = spawnOrigin(run.env, "persister");
    await child.started;
    expect(await child.exited).toBe(1);
    expect(child.output()).toContain("a consumer stopped for good");
  });
});

/** What a foreign application in the same group might use: a protocol the persister's members do not offer. */
const foreignAssigner: PartitionAssigner = () => ({
  name: "ForeignAssigner",
  version: 1,
  async assign({ members }) {
    const nothing = AssignerProtocol.MemberAssignment.encode({ version: 1, assignment: {}, userData: Buffer.alloc(0) });
    return members.map((member) => ({ memberId: member.memberId, memberAssignment: nothing }));
  },
  protocol({ topics }) {
    return {
      name: "ForeignAssigner",
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
    };
  },
});
