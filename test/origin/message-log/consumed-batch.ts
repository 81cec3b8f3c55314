/**
 * A ConsumedBatch as a LogConsumer hands it to a handler, for testing handlers without a broker: it counts the holds
 * on each record that are not yet released, and says whether the partition is still owned.
 */
import type { Consumed, ConsumedBatch, Malformed } from "../../../origin/message-log/log-consumer.js";

export interface TestBatch<T> extends ConsumedBatch<T> {
  /** Holds not yet released, by offset (records never held are absent). */
  outstanding: Map<string, number>;
  /** Offsets held at least once, in the order first held. */
  held: string[];
  owner: { owned: boolean };
}

export function consumedBatch<T>(
  values: readonly T[],
  malformed: readonly Malformed[] = [],
  partition = 0,
): TestBatch<T> {
  const events: Consumed<T>[] = values.map((value, i) => ({ partition, offset: String(i + 1), value }));
  const outstanding = new Map<string, number>();
  const held: string[] = [];
  const owner = { owned: true };
  return {
    partition,
    events,
    malformed,
    outstanding,
    held,
    owner,
    hold(event) {
      if (!outstanding.has(event.offset) && !held.includes(event.offset)) held.push(event.offset);
      outstanding.set(event.offset, (outstanding.get(event.offset) ?? 0) + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = outstanding.get(event.offset)! - 1;
        if (left === 0) outstanding.delete(event.offset);
        else outstanding.set(event.offset, left);
      };
    },
    owned: () => owner.owned,
    yield: () => new Promise((resolve) => setImmediate(resolve)),
  };
}
