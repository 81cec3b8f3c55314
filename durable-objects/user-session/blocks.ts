/**
 * Whom the user blocked, and its settings. Blocks live here, with the blocker: the conversations it shares with the
 * blocked user are told (Conversation.setBlock), and the sessions of others ask here before they put the user in a
 * conversation (UserSession.admitMember) or show them its presence.
 */
import type { UserSettings } from "../../protocol/index.js";
import type { Sql } from "../shared/sql.js";
import type { Meta } from "./meta.js";

/** How many users one may block: a list that is read whole at every check must stay small. */
export const MAX_BLOCKS = 10_000;

const DEFAULT_SETTINGS: UserSettings = { groupAdds: "invite" };

export class Blocks {
  /** Loaded at the first check: a wake for a delivery reads none of it. */
  private blocked: Set<string> | null = null;

  constructor(
    private readonly sql: Sql,
    private readonly meta: Meta,
  ) {}

  has(userId: string): boolean {
    return this.all().has(userId);
  }

  list(): string[] {
    return [...this.all()];
  }

  /** True when something changed (one row written). */
  set(userId: string, on: boolean, now = Date.now()): boolean {
    const all = this.all();
    if (all.has(userId) === on) return false;
    if (on) {
      this.sql.exec("INSERT INTO blocks (user_id, at) VALUES (?, ?)", userId, now);
      all.add(userId);
    } else {
      this.sql.exec("DELETE FROM blocks WHERE user_id = ?", userId);
      all.delete(userId);
    }
    return true;
  }

  get size(): number {
    return this.all().size;
  }

  settings(): UserSettings {
    const stored = this.meta.get("settings");
    return stored ? { ...DEFAULT_SETTINGS, ...(JSON.parse(stored) as Partial<UserSettings>) } : DEFAULT_SETTINGS;
  }

  changeSettings(change: Partial<UserSettings>): UserSettings {
    const next = { ...this.settings(), ...change };
    this.meta.set("settings", JSON.stringify(next));
    return next;
  }

  private all(): Set<string> {
    this.blocked ??= new Set(
      this.sql
        .exec("SELECT user_id FROM blocks")
        .toArray()
        .map((row) => String(row.user_id)),
    );
    return this.blocked;
  }
}
