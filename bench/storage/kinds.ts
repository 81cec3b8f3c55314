/** What the storage probe's object does inside one event (see worker.ts). */
export const KINDS = [
  "nothing",
  "insert-row",
  "insert-8-rows",
  "insert-row-1kb",
  "two-statements",
  "kv-put",
  "timer",
  "timer-insert",
] as const;
export type Kind = (typeof KINDS)[number];
