/** One invocation's counts, as the meter prints them (`{"meter": MeterLine}`): plain data, read by the bench too. */
export interface MeterLine {
  /** The object's class ("UserSession", "Conversation") or "Worker". */
  class: string;
  /** The object's id (hex), so peaks per object can be found. */
  id: string;
  /** `rpc:<method>`, `fetch`, `alarm`, `ws:message`, `ws:close`, `ws:error`; `background` is no request. */
  entry: string;
  rowsRead: number;
  rowsWritten: number;
  alarmsSet: number;
  /** R2 operations by billing class (A: put, list, multipart; B: get, head) and the free ones (delete). */
  r2ClassA: number;
  r2ClassB: number;
  r2Free: number;
  /** Wall time from entry to settlement, in ms, and when it started (ms since the epoch). */
  ms: number;
  at: number;
}
