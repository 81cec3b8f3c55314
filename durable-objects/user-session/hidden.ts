/**
 * Messages the user deleted for itself (`hide`): kept with the user, a row per message, so every device of the user
 * hides them, also one that was away (a `sync` sends what was hidden since), and no other member learns of it.
 * At most MAX_HIDDEN_PER_CONVERSATION per conversation: hiding more forgets the oldest seqs.
 */
import { MAX_HIDDEN_PER_CONVERSATION } from "../../protocol/index.js";
import type { Sql } from "../shared/sql.js";

export class Hidden {
  constructor(private readonly sql: Sql) {}

  /** Hides these seqs from now on; returns the ones that were not hidden yet. */
  hide(conversationId: string, seqs: number[], now = Date.now()): number[] {
    const fresh: number[] = [];
    for (const seq of new Set(seqs)) {
      const known = this.sql.exec("SELECT 1 FROM hidden WHERE conversation_id = ? AND seq = ?", conversationId, seq);
      if (known.toArray().length > 0) continue;
      this.sql.exec("INSERT INTO hidden (conversation_id, seq, at) VALUES (?, ?, ?)", conversationId, seq, now);
      fresh.push(seq);
    }
    if (fresh.length > 0) this.trim(conversationId);
    return fresh;
  }

  /** What was hidden at or after `since`, per conversation (a repeat is harmless, a miss is not). */
  since(since: number): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const row of this.sql.exec("SELECT conversation_id, seq FROM hidden WHERE at >= ? ORDER BY seq", since)) {
      const id = String(row.conversation_id);
      const seqs = out.get(id) ?? [];
      seqs.push(Number(row.seq));
      out.set(id, seqs);
    }
    return out;
  }

  private trim(conversationId: string): void {
    this.sql.exec(
      "DELETE FROM hidden WHERE conversation_id = ? AND seq IN (SELECT seq FROM hidden WHERE conversation_id = ? ORDER BY seq DESC LIMIT -1 OFFSET ?)",
      conversationId,
      conversationId,
      MAX_HIDDEN_PER_CONVERSATION,
    );
  }
}
