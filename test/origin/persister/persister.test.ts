/**
 * The persister as production runs it (origin/main.ts in a child process), SIGKILLed while messages flow, then
 * restarted: offsets were committed only after Cassandra writes, so every message ends up stored exactly once.
 * And while Cassandra is unreachable nothing is committed, so nothing is lost.
 */
import { afterAll, describe, expect, it } from "vitest";
import { openBackends } from "../../../origin/backends.js";
import { batchRetries } from "../../../origin/shared/metrics.js";
import type { Message } from "../../../protocol/message.js";
import {
  bodyOf,
  closedPort,
  configOf,
  countMessages,
  groupStable,
  ingest,
  log,
  messageEvents,
  signedFetch,
  spawnOrigin,
  startProcess,
  useOriginRun,
  waitFor,
  withKafkaAdmin,
  type ChildOrigin,
} from "../support.js";

const run = useOriginRun("persister", { processes: { origin: "ingest" } });
const CONVERSATIONS = ["kill-a", "kill-b", "kill-c", "kill-d", "kill-e", "kill-f"];
const PER_CONVERSATION = 600;
const PER_ROUND = 50;
const children: ChildOrigin[] = [];

afterAll(async () => {
  for (const c of children) if (c.child.exitCode === null) c.child.kill("SIGKILL");
  await Promise.all(children.map((c) => c.exited));
});

const totalStored = async () => {
  const counts = await Promise.all(
    CONVERSATIONS.map((c) => countMessages(run.backends, run.config, c, PER_CONVERSATION)),
  );
  return counts.reduce((a, b) => a + b, 0);
};

/** Round r carries seqs r*50+1 .. r*50+50 of every conversation. */
async function ingestRound(round: number): Promise<void> {
  const from = round * PER_ROUND + 1;
  const events = CONVERSATIONS.flatMap((c) => messageEvents(c, from, from + PER_ROUND - 1));
  const res = await ingest(run.origin.url, events);
  expect(res.status).toBe(200);
}

async function readHistory(conversationId: string): Promise<Message[]> {
  const all: Message[] = [];
  for (let after = 0, hasMore = true; hasMore;) {
    const page = await (
      await signedFetch(run.origin.url, "GET", `/v1/history/${conversationId}?after=${after}&limit=100`)
    ).json();
    all.push(...page.messages);
    hasMore = page.hasMore;
    after = all.at(-1)?.seq ?? after;
  }
  return all;
}

/**
 * A SIGKILL lands between a batch's writes and its commit only some of the time; rewinding the dead member's group
 * makes the worst case certain: the restarted persister re-reads every record already stored.
 */
async function forgetCommittedOffsets(): Promise<void> {
  const groupId = run.config.kafka.groups.persister;
  await withKafkaAdmin(run.config, async (admin) => {
    // The killed member holds its partitions until its session (6 s here) expires.
    await waitFor(
      "the killed member to leave",
      async () => (await admin.describeGroups([groupId])).groups[0]?.state === "Empty",
      20_000,
      250,
    );
    await admin.resetOffsets({ groupId, topic: run.config.kafka.topics.messages, earliest: true });
  });
}

describe("persister crash and restart", () => {
  it(
    "a persister killed mid-stream and restarted stores every message exactly once, in order",
    { timeout: 120_000 },
    async () => {
      const rounds = PER_CONVERSATION / PER_ROUND;
      const first = spawnOrigin(run.env, "persister");
      children.push(first);
      await first.started;
      for (let round = 0; round < 3; round++) await ingestRound(round);
      // Kill as soon as the first writes land: the persister is then in the middle of the stream.
      const atKill = await waitFor(
        "the first persister writing",
        async () => (await totalStored()) || undefined,
        30_000,
        20,
      );
      first.child.kill("SIGKILL");
      await first.exited;
      expect(atKill).toBeGreaterThan(0);
      expect(atKill).toBeLessThan(CONVERSATIONS.length * PER_CONVERSATION);
      await forgetCommittedOffsets();

      for (let round = 3; round < 7; round++) await ingestRound(round);
      const second = spawnOrigin(run.env, "persister");
      children.push(second);
      await second.started;
      for (let round = 7; round < rounds; round++) await ingestRound(round);

      const expected = CONVERSATIONS.length * PER_CONVERSATION;
      await waitFor(`${expected} stored rows`, async () => (await totalStored()) === expected, 60_000, 250);
      for (const conversationId of CONVERSATIONS) {
        const history = await readHistory(conversationId);
        expect(history.map((m) => m.seq)).toEqual(Array.from({ length: PER_CONVERSATION }, (_, i) => i + 1));
        expect(history.every((m) => m.body === bodyOf(conversationId, m.seq) && m.clientMsgId === `c-${m.seq}`)).toBe(
          true,
        );
      }
      second.child.kill("SIGTERM");
      expect(await second.exited).toBe(0);
    },
  );

  it(
    "while Cassandra is unreachable the persister retries without committing; the records are stored once it is back",
    { timeout: 60_000 },
    async () => {
      const conversationId = "outage-conv";
      const unreachable = configOf({ ...run.env, CASSANDRA_CONTACT_POINTS: `127.0.0.1:${await closedPort()}` });
      const unreachableBackends = openBackends(unreachable, log);
      const blocked = await startProcess(unreachable, "persister", unreachableBackends);
      await groupStable(run.config, run.config.kafka.groups.persister);
      expect((await ingest(run.origin.url, messageEvents(conversationId, 1, 40))).status).toBe(200);
      const position = async () =>
        withKafkaAdmin(run.config, (admin) =>
          admin.fetchOffsets({
            groupId: run.config.kafka.groups.persister,
            topics: [run.config.kafka.topics.messages],
          }),
        );
      const before = await position();
      const retries = async () =>
        (await batchRetries.get()).values.find((v) => v.labels.service === "persister")?.value ?? 0;
      await waitFor("the persister to fail and retry", async () => (await retries()) >= 2, 15_000);
      expect(await position()).toEqual(before);
      expect(await countMessages(run.backends, run.config, conversationId, 40)).toBe(0);
      await blocked.stop();
      await unreachableBackends.close();

      const healthy = await startProcess(run.config, "persister", run.backends);
      try {
        await waitFor(
          "the held-back records stored",
          async () => (await countMessages(run.backends, run.config, conversationId, 40)) === 40,
          30_000,
          200,
        );
      } finally {
        await healthy.stop();
      }
    },
  );
});
