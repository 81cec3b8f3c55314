/**
 * The write time (Cassandra's cell timestamp, in µs) of everything a log entry writes: its own row, and its effect on
 * its target's row and reactions. Cassandra keeps, cell by cell, the write with the highest timestamp (a deletion
 * winning a tie), so with timestamps that grow with seq the stored state is the one of the entries applied in seq
 * order, whatever order they arrive in and however often: a message re-delivered after its delete (a replay of the
 * stream from an older offset, a batch retried) writes its body under the delete's timestamp and stays invisible;
 * a reaction replayed after it was taken back stays off. One plain write per statement, no read before it: skipping
 * a message whose row is already deleted would cost a read per message, and a lightweight transaction a Paxos round.
 *
 * Why the origin is 2^53 µs (the year 2255) and not 0: rows written before actions existed carry the time of their
 * write (about 1.7 × 10^15 µs), which a seq-derived timestamp must outrank, or a delete of such a message would lose
 * to its body. The price, as for conversation_members: every write to `messages` and `message_reactions` must carry
 * such a timestamp; one at the current time (or a `DELETE` without `USING TIMESTAMP`) would lose to all of them.
 */
import cassandra from "cassandra-driver";

const SEQ_TIME_ORIGIN = cassandra.types.Long.fromNumber(2 ** 53);

export function writeTimeOf(seq: number): cassandra.types.Long {
  return SEQ_TIME_ORIGIN.add(seq);
}
