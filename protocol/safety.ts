/**
 * Safety controls (protocol.md, "Safety"): roles and invites in groups, what new members see of the history, system
 * entries in the log, blocks, mutes and the user's settings. Bodies are validated here, once, where they enter.
 */
import { z } from "zod";
import { MAX_TITLE_LENGTH } from "./limits.js";
import * as f from "./schema.js";

/** A member's part in a conversation: admins manage a group; an invitee sees only the invite until it accepts. */
export type Role = "admin" | "member" | "invited";

/** What members who join a group see of its history: from their joining on (new groups), or all of it. */
export type HistoryVisibility = "joined" | "all";
export const HISTORY_VISIBILITIES = ["joined", "all"] as const;

/** Whether a user is added to groups at once, or invited (the default: no one is pulled into a group). */
export type GroupAdds = "invite" | "anyone";

/** Muted "until turned off": the latest time a Date can hold. */
export const MUTED_FOREVER = 8_640_000_000_000_000;

/**
 * A change of a group after its creation, as an entry of its log (`system` on a message with an empty body), sent by
 * the member who made it: the page shows it as a line between messages. `users` are the members it concerns.
 */
export type SystemEvent =
  | { kind: "invited"; users: string[] }
  | { kind: "added"; users: string[] }
  | { kind: "joined" }
  | { kind: "declined" }
  | { kind: "left" }
  | { kind: "removed"; users: string[] }
  | { kind: "promoted"; users: string[] }
  | { kind: "demoted"; users: string[] }
  | { kind: "renamed"; title: string }
  | { kind: "history"; history: HistoryVisibility };

export const systemEvent: z.ZodType<SystemEvent> = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("invited"), users: z.array(f.userId).min(1).max(10_000) }),
  z.object({ kind: z.literal("added"), users: z.array(f.userId).min(1).max(10_000) }),
  z.object({ kind: z.literal("joined") }),
  z.object({ kind: z.literal("declined") }),
  z.object({ kind: z.literal("left") }),
  z.object({ kind: z.literal("removed"), users: z.array(f.userId).min(1).max(10_000) }),
  z.object({ kind: z.literal("promoted"), users: z.array(f.userId).min(1).max(10_000) }),
  z.object({ kind: z.literal("demoted"), users: z.array(f.userId).min(1).max(10_000) }),
  z.object({ kind: z.literal("renamed"), title: f.text.max(MAX_TITLE_LENGTH) }),
  z.object({ kind: z.literal("history"), history: z.enum(HISTORY_VISIBILITIES) }),
]);

const users = z.array(f.userId).max(10_000);

/**
 * `POST /v1/conversations/:id/members`: admins invite (or add) and remove members, promote and demote admins; any
 * member removes itself (leaves).
 */
export const changeMembersBody = z
  .object({ add: users.optional(), remove: users.optional(), promote: users.optional(), demote: users.optional() })
  .refine(
    (b) => (b.add?.length ?? 0) + (b.remove?.length ?? 0) + (b.promote?.length ?? 0) + (b.demote?.length ?? 0) > 0,
    "add, remove, promote or demote at least one member",
  );
export type ChangeMembers = z.infer<typeof changeMembersBody>;

/** `PATCH /v1/conversations/:id`: an admin renames a group or sets what new members see. */
export const groupSettingsBody = z
  .object({ title: f.text.trim().max(MAX_TITLE_LENGTH).optional(), history: z.enum(HISTORY_VISIBILITIES).optional() })
  .refine((b) => b.title !== undefined || b.history !== undefined, "title or history");
export type GroupSettings = z.infer<typeof groupSettingsBody>;

/** `POST /v1/conversations/:id/invite`: the invitee accepts or declines. */
export const inviteAnswerBody = z.object({ accept: z.boolean() });

/** `POST /v1/conversations/:id/mute`: muted until a time (ms), until turned off (`until` absent), or not (`muted: false`). */
export const muteBody = z
  .object({ muted: z.boolean(), until: f.time.max(MUTED_FOREVER).optional() })
  .refine((b) => b.muted || b.until === undefined, "until: only when muting");
export type Mute = z.infer<typeof muteBody>;

/** `PUT /v1/settings`. */
export const settingsBody = z.object({ groupAdds: z.enum(["invite", "anyone"]) });
export interface UserSettings {
  groupAdds: GroupAdds;
}

/** `GET /v1/blocks`. */
export interface BlockList {
  blocked: string[];
}
