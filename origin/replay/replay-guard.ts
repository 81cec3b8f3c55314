import type { Result } from "../../protocol/errors.js";

/**
 * Which signed requests were already served: a signature is single-use (protocol/signature.ts), and a captured
 * request replayed while its timestamp is still fresh must be refused by every ingest process, not only by the one
 * that saw it first.
 *
 * Contract:
 * - `claim(nonce, ttlMs)` is atomic across every process sharing the store: of any number of claims of one nonce
 *   within `ttlMs` of the first, exactly one answers `ok(true)`, the others `ok(false)`.
 * - A store that cannot answer is an error value (the caller refuses with 503, the edge retries with a new nonce),
 *   never a silent `true`.
 * - Callers claim only nonces of requests whose MAC verified, so the store holds no more than the edge signs.
 */
export interface ReplayGuard {
  claim(nonce: string, ttlMs: number): Promise<Result<boolean>>;
}
