/**
 * The user's attachment uploads: admitted here (membership, the daily quota), recorded one row each, marked when a
 * message of the user references them (`referenced`: 0 not yet, 1 a message with it is being sent, 2 one was
 * stored), and the ones never referenced within `attachmentOrphanMs` deleted from R2 by the session's alarm (an alarm
 * concern: shared/alarm.ts). The row also keeps the SHA-256 the Worker computed while
 * streaming: R2 takes an object's metadata before its bytes, so the hash cannot be in it.
 */
import { fail, ok, attachmentKey, type Result } from "../../protocol/index.js";
import type { EdgeConfig } from "../config.js";
import type { AlarmConcern } from "../shared/alarm.js";
import { log } from "../shared/log.js";
import type { Sql } from "../shared/sql.js";
import type { DailyQuota } from "./quota.js";

export interface UploadRecord {
  conversationId: string;
  sha256: string;
}

export class Uploads implements AlarmConcern {
  constructor(
    private readonly sql: Sql,
    private readonly quota: DailyQuota,
    private readonly config: Pick<
      EdgeConfig,
      "attachmentQuotaBytesPerDay" | "attachmentQuotaUploadsPerDay" | "attachmentOrphanMs"
    >,
    private readonly bucket: Pick<R2Bucket, "delete">,
  ) {}

  /** Charges an upload of `size` bytes to the daily quota and records it: its id, or the refusal. */
  admit(conversationId: string, size: number, now = Date.now()): Result<{ id: string }> {
    const { attachmentQuotaBytesPerDay: bytes, attachmentQuotaUploadsPerDay: uploads } = this.config;
    if (size > bytes) return fail("too_large", `at most ${bytes} bytes of attachments a day`);
    const charged = this.quota.takeAll(
      [
        { kind: "upload_count", limit: uploads, amount: 1, what: "uploads" },
        { kind: "upload_bytes", limit: bytes, amount: size, what: "bytes of uploads" },
      ],
      now,
    );
    if (!charged.ok) return charged;
    const id = crypto.randomUUID();
    this.sql.exec("INSERT INTO uploads (id, conversation_id, at) VALUES (?, ?, ?)", id, conversationId, now);
    return ok({ id });
  }

  /** The Worker stored the bytes: their hash, which a message's reference then carries. */
  stored(id: string, sha256: string): void {
    this.sql.exec("UPDATE uploads SET sha256 = ? WHERE id = ?", sha256, id);
  }

  /** A stored upload of this user in `conversationId`, or null. */
  find(conversationId: string, id: string): UploadRecord | null {
    const row = this.sql
      .exec(
        "SELECT sha256 FROM uploads WHERE id = ? AND conversation_id = ? AND sha256 IS NOT NULL",
        id,
        conversationId,
      )
      .toArray()[0];
    return row ? { conversationId, sha256: String(row.sha256) } : null;
  }

  /**
   * A message with these attachments is on its way: they count as referenced from now on, so a crash before the
   * answer (which `referenced` then confirms) can never get bytes a message points to deleted; at worst an
   * unreferenced upload is kept.
   */
  sending(ids: string[]): void {
    for (const id of ids) this.sql.exec("UPDATE uploads SET referenced = MAX(referenced, 1) WHERE id = ?", id);
  }

  /** The message was stored: its attachments are no orphans. */
  referenced(ids: string[]): void {
    for (const id of ids) this.sql.exec("UPDATE uploads SET referenced = 2 WHERE id = ?", id);
  }

  /** The message was refused: unless another message stored them, its attachments are orphans again. */
  refused(ids: string[]): void {
    for (const id of ids) this.sql.exec("UPDATE uploads SET referenced = 0 WHERE id = ? AND referenced = 1", id);
  }

  nextWake(): number | null {
    const row = this.sql.exec("SELECT MIN(at) AS at FROM uploads").one();
    return row.at === null ? null : Number(row.at) + this.config.attachmentOrphanMs;
  }

  /**
   * Uploads older than the orphan age: the bytes of those never referenced are deleted, and every row goes (a
   * referenced one has done its work). A failed delete keeps its row, for the next alarm to try again.
   */
  async runDue(now = Date.now()): Promise<void> {
    const due = this.sql
      .exec("SELECT id, conversation_id, referenced FROM uploads WHERE at <= ?", now - this.config.attachmentOrphanMs)
      .toArray();
    for (const row of due) {
      const id = String(row.id);
      if (Number(row.referenced) === 0) {
        try {
          await this.bucket.delete(attachmentKey(String(row.conversation_id), id));
        } catch (error) {
          log("warn", "UserSession", "orphan_delete_failed", { id, error });
          continue;
        }
      }
      this.sql.exec("DELETE FROM uploads WHERE id = ?", id);
    }
  }
}
