/**
 * The bytes of request bodies this process is receiving and has not yet checked against their signed hash. Each
 * body is at most MAX_INGEST_BYTES, but nothing else bounds how many arrive at once, so the process's memory would
 * follow whatever a sender with a fresh signature posts concurrently. A request reserves its declared length before
 * its body is read and gives it back once the body is verified or refused; past the limit it is answered 503 with
 * Retry-After (the edge retries).
 */
import { unverifiedBodyBytes } from "../shared/metrics.js";

export class BodyBudget {
  private inFlight = 0;

  constructor(private readonly limitBytes: number) {}

  /** false when `bytes` more would pass the limit; nothing is reserved then. */
  reserve(bytes: number): boolean {
    if (this.inFlight + bytes > this.limitBytes) return false;
    this.inFlight += bytes;
    unverifiedBodyBytes.set(this.inFlight);
    return true;
  }

  release(bytes: number): void {
    this.inFlight -= bytes;
    unverifiedBodyBytes.set(this.inFlight);
  }
}
