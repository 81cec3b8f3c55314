/** The remembering partitioner must place every record where kafkajs's DefaultPartitioner does: a conversation's order lives in one partition. */
import { Partitioners, type PartitionerArgs } from "kafkajs";
import { describe, expect, it } from "vitest";
import { rememberingPartitioner } from "../../../origin/kafka/partitioner.js";

const metadata = (count: number) =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
    partitionErrorCode: 0,
    offlineReplicas: [],
  }));
const args = (key: string | null, count: number, partition?: number): PartitionerArgs => ({
  topic: "t",
  partitionMetadata: metadata(count),
  message: { key, value: "v", partition },
});

describe("rememberingPartitioner", () => {
  it("answers as the DefaultPartitioner for every key and partition count, asked once or again", () => {
    const remembering = rememberingPartitioner();
    const reference = Partitioners.DefaultPartitioner();
    for (const count of [1, 3, 6, 7]) {
      for (let i = 0; i < 500; i++) {
        const key = `conversation-${i}:ü`;
        const expected = reference(args(key, count));
        expect([remembering(args(key, count)), remembering(args(key, count))]).toEqual([expected, expected]);
      }
    }
  });

  it("keeps an explicit partition, and spreads records without a key", () => {
    const remembering = rememberingPartitioner();
    expect(remembering(args("k", 6, 4))).toBe(4);
    const spread = new Set(Array.from({ length: 12 }, () => remembering(args(null, 6))));
    expect(spread.size).toBe(6);
  });
});
