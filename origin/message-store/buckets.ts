/** A conversation's messages are split into partitions of BUCKET_SIZE consecutive seqs (protocol.md, "Origin storage"). */
export const BUCKET_SIZE = 1000;

export function bucketOf(seq: number): number {
  return Math.floor(seq / BUCKET_SIZE);
}
