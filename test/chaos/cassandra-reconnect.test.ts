/**
 * Found by the cassandra-kill scenario: after Cassandra restarts, the persister (and the history API) stay
 * without a connection for as long as the driver's reconnection schedule says, and the driver's default grows
 * to ten minutes. A restart of ~40 s cost ~27 s more of stalled persistence on this machine; a longer outage
 * costs minutes. Reconnection attempts must stay frequent however long the outage was.
 */
import type cassandra from "cassandra-driver";
import { describe, expect, it } from "vitest";
import { createCassandra } from "../../origin/cassandra/client.js";
import { configOf, testEnv } from "../origin/support.js";

const MAX_RECONNECT_DELAY_MS = 10_000;

describe("the origin's Cassandra client after an outage", () => {
  it(`tries to reconnect at least every ${MAX_RECONNECT_DELAY_MS / 1000} s, however long Cassandra was gone`, async () => {
    const client = createCassandra(configOf(testEnv("reconnect")).cassandra);
    try {
      // The driver fills in its defaults on `options`, which its typings do not declare.
      const { options } = client as unknown as { options: cassandra.ClientOptions };
      const schedule = options.policies!.reconnection!.newSchedule();
      const delays = Array.from({ length: 12 }, () => Number(schedule.next().value));
      expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_RECONNECT_DELAY_MS);
    } finally {
      await client.shutdown();
    }
  });
});
