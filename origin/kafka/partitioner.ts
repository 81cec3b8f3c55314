/**
 * kafkajs's DefaultPartitioner (the Java client's: murmur2 of the key modulo the partition count), remembering each
 * key's partition. Same answers, so a conversation's records stay on the partition they always used; but the
 * default hashes every record in JavaScript and copies the partition list for each, and an ingest request carries
 * many records of the same few conversations. Records without a key go to the default (round robin).
 */
import { Partitioners, type ICustomPartitioner } from "kafkajs";

/** Keys remembered per partition count; past it the memory starts over (a miss only costs a hash). */
const MAX_KEYS = 100_000;

export const rememberingPartitioner: ICustomPartitioner = () => {
  const fallback = Partitioners.DefaultPartitioner();
  const byCount = new Map<number, Map<string, number>>();
  return (args) => {
    const { message, partitionMetadata } = args;
    if (message.partition !== undefined && message.partition !== null) return message.partition;
    if (typeof message.key !== "string") return fallback(args);
    let known = byCount.get(partitionMetadata.length);
    if (!known || known.size >= MAX_KEYS) byCount.set(partitionMetadata.length, (known = new Map()));
    let partition = known.get(message.key);
    if (partition === undefined) known.set(message.key, (partition = fallback(args)));
    return partition;
  };
};
