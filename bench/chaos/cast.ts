/**
 * Who talks to whom in a chaos run: users with dev tokens, their devices, direct conversations over distinct
 * pairs and a few groups, all created over HTTP with the project's client, as an app would.
 */
import { ChatApi } from "../../client/api.js";
import { inParallel } from "../load/sockets.js";

/** Creating a conversation waits for its members' sessions to learn of it: a few at once, not all. */
const CREATE_CONCURRENCY = 6;

export interface CastUser {
  id: string;
  token: string;
  deviceIds: string[];
  /** Devices that stay offline while traffic runs and connect only for the audit, from position 0 in every conversation. */
  offlineDeviceIds: string[];
  conversations: string[];
}

export interface CastConversation {
  id: string;
  kind: "direct" | "group";
  members: string[];
}

export interface Cast {
  users: CastUser[];
  conversations: CastConversation[];
}

export interface CastOptions {
  tag: string;
  users: number;
  devices: [number, number];
  directs: number;
  groups: number;
  groupSize: number;
}

export async function createCast(url: string, o: CastOptions): Promise<Cast> {
  const ids = Array.from({ length: o.users }, (_, i) => `${o.tag}-u${i}`);
  const tokens = await Promise.all(ids.map((id) => ChatApi.devToken(url, id)));
  const users: CastUser[] = ids.map((id, i) => {
    const deviceIds = Array.from({ length: i % 2 === 0 ? o.devices[0] : o.devices[1] }, (_, d) => `d${d}`);
    // Every fourth user with three or more devices leaves its last one offline: a phone that was off all along.
    const offlineDeviceIds = i % 4 === 1 && deviceIds.length >= 3 ? deviceIds.slice(-1) : [];
    return { id, token: tokens[i]!, deviceIds, offlineDeviceIds, conversations: [] };
  });
  const plans: { creator: CastUser; others: CastUser[]; kind: "direct" | "group" }[] = [
    ...distinctPairs(o.users, o.directs).map(([a, b]) => ({
      creator: users[a]!,
      others: [users[b]!],
      kind: "direct" as const,
    })),
    ...Array.from({ length: o.groups }, (_, g) => {
      const members = Array.from({ length: o.groupSize }, (_, k) => users[(g * 4 + k) % o.users]!);
      return { creator: members[0]!, others: members.slice(1), kind: "group" as const };
    }),
  ];
  // The traffic is about delivery: the cast's groups take their members at once (their setting), with no invites.
  await inParallel(users.length, CREATE_CONCURRENCY, (i) =>
    new ChatApi(url, users[i]!.token).settings({ groupAdds: "anyone" }),
  );
  const conversations = await inParallel(plans.length, CREATE_CONCURRENCY, async (i) => {
    const { creator, others, kind } = plans[i]!;
    const api = new ChatApi(url, creator.token);
    const info =
      kind === "direct"
        ? await api.createDirect(others[0]!.id)
        : await api.createGroup(
            others.map((u) => u.id),
            `chaos ${i}`,
          );
    return { id: info.id, kind, members: [creator.id, ...others.map((u) => u.id)] };
  });
  for (const c of conversations) for (const m of c.members) users.find((u) => u.id === m)!.conversations.push(c.id);
  return { users, conversations };
}

/** Pairs (i, i+d) for d = 1, 2, …: spreads conversations over every user before any pair repeats a user often. */
function distinctPairs(users: number, count: number): [number, number][] {
  const seen = new Set<string>();
  const pairs: [number, number][] = [];
  for (let d = 1; d < users && pairs.length < count; d++) {
    for (let i = 0; i < users && pairs.length < count; i++) {
      const a = Math.min(i, (i + d) % users);
      const b = Math.max(i, (i + d) % users);
      if (seen.has(`${a}/${b}`)) continue;
      seen.add(`${a}/${b}`);
      pairs.push([a, b]);
    }
  }
  if (pairs.length < count) throw new Error(`${users} users allow only ${pairs.length} direct conversations`);
  return pairs;
}
