/**
 * Before anyone is put in a conversation, its session is asked (UserSession.admitMember): a user who blocked the one
 * adding refuses, and otherwise says whether it takes groups at once or is invited (its setting). One refusal refuses
 * the whole change, before anything is written.
 */
import { ok, type ConversationKind, type Result } from "../../protocol/index.js";
import type { UserSessionRpc } from "../rpc.js";
import type { StubCache } from "../shared/stubs.js";

export interface Admitted {
  /** Members at once. */
  added: string[];
  /** Invited: members once they accept. */
  invited: string[];
}

export async function askInvitees(
  sessions: StubCache<UserSessionRpc>,
  conversationId: string,
  kind: ConversationKind,
  by: string,
  users: string[],
): Promise<Result<Admitted>> {
  const answers = await Promise.all(users.map((u) => sessions.get(u).admitMember(conversationId, kind, by)));
  const admitted: Admitted = { added: [], invited: [] };
  for (const [i, answer] of answers.entries()) {
    if (!answer.ok) return answer;
    (kind === "direct" || answer.value.join ? admitted.added : admitted.invited).push(users[i]!);
  }
  return ok(admitted);
}
