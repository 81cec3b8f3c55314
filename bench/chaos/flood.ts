/**
 * The abusive side of the abuse scenario: authenticated users who send garbage from many sockets at a fixed
 * total rate (malformed JSON, unknown or invalid frames, binary frames, bodies over 4096 bytes, frames over the
 * frame limit, a few frames over a MiB, sends and reads aimed at conversations they are not in or that do not
 * exist, text with lone surrogates), impersonation attempts with forged tokens, probes of strangers' presence and
 * of made-up conversation ids over HTTP, and a typing flood in big groups the attackers made of every victim. It
 * counts how the edge answered: every garbage frame should get exactly one `error` frame on a socket that stays
 * open (frames over a MiB may close it), and nothing else; no probe may learn anything.
 */
import WebSocket from "ws";
import { ChatApi } from "../../client/api.js";
import { MAX_BODY_BYTES, MAX_FRAME_BYTES } from "../../protocol/limits.js";
import { forgedTokens, tryHttpSend, tryUpgrade } from "./forged.js";
import type { Random } from "./random.js";

export interface FloodStats {
  sockets: number;
  frames: number;
  byKind: string;
  errors: number;
  /** Answers that are neither `error` nor `hello`/`pong`: an abusive frame must never be acknowledged. */
  otherAnswers: number;
  /** Frames without an answer on sockets that stayed open. */
  unanswered: number;
  closed: number;
  /** Sockets the server closed although no frame over a MiB was sent on them. */
  closedWithoutCause: number;
  forged: number;
  forgedAccepted: number;
  /** HTTP probes of strangers' presence and of made-up conversations, and how many learned anything. */
  probes: number;
  probesAnswered: number;
  /** Typing frames sent into the attackers' big groups. */
  groupTyping: number;
}

interface Abuser {
  attacker: string;
  ws: WebSocket;
  sent: number;
  errors: number;
  huge: boolean;
  closed: boolean;
}

const HUGE = "x".repeat(1_200_000);
const MALFORMED = [
  "{",
  "null",
  "[]",
  '"text"',
  '{"type":"nope"}',
  '{"type":"send"}',
  '{"type":"sync","since":-1}',
  '{"type":"fetch","conversationId":"c","after":-1}',
  '{"type":"send","clientMsgId":"bad id","conversationId":"c","body":"b"}',
  `${"[".repeat(3000)}${"]".repeat(3000)}`,
];
export const KINDS = [
  "malformed",
  "binary",
  "oversize-body",
  "oversize-frame",
  "foreign-send",
  "foreign-read",
  "made-up-conversation",
  "lone-surrogate",
  "huge",
] as const;
export type Kind = (typeof KINDS)[number];
const TICK_MS = 20;
/** Frames queued on a socket the server has not read yet: past this the flooder skips, so it cannot balloon itself. */
const MAX_BUFFERED = 4 * 1024 * 1024;

export class Flood {
  private readonly abusers: Abuser[] = [];
  private readonly kinds = new Map<Kind, number>();
  private otherAnswers = 0;
  private forged = 0;
  private forgedAccepted = 0;
  private probes = 0;
  private probesAnswered = 0;
  private groupTyping = 0;
  /** The big groups each attacker made of every victim (see makeGroups). */
  private readonly groups = new Map<string, string[]>();
  private timers: ReturnType<typeof setInterval>[] = [];
  /** Set while the flood closes its own sockets, so those closes are not counted as the server's. */
  private stopping = false;
  private kindsInUse: readonly Kind[] = [];
  private hugeInUse = true;

  constructor(
    private readonly url: string,
    private readonly attackers: { id: string; token: string }[],
    private readonly victims: { userId: string; conversations: string[] }[],
    private readonly random: Random,
  ) {}

  /** Opens `sockets` sockets round-robin over the attackers (keep it under the edge's 32 per user). */
  async open(sockets: number): Promise<void> {
    await Promise.all(
      Array.from({ length: sockets }, (_, i) => this.openOne(this.attackers[i % this.attackers.length]!, `a${i}`)),
    );
  }

  /**
   * Every other attacker (the typists) makes `perAttacker` groups of every victim, as anyone may add anyone to a
   * group, so its typing reaches every legitimate device: the edge charges each typing frame to the attacker by
   * the members it reaches. The other attackers stay strangers to the victims and probe their presence.
   */
  async makeGroups(perAttacker: number): Promise<void> {
    const members = this.victims.map((v) => v.userId);
    for (const attacker of this.attackers.filter((_, i) => i % 2 === 0)) {
      const api = new ChatApi(this.url, attacker.token);
      const ids = await Promise.all(
        Array.from({ length: perAttacker }, async (_, g) => (await api.createGroup(members, `flood ${g}`)).id),
      );
      this.groups.set(attacker.id, ids);
    }
  }

  /** Garbage frames, forged tokens, HTTP probes and typing into the attackers' groups, each at its own rate. */
  start(
    rates: { frames: number; forged: number; probes: number; groupTyping: number },
    kinds: readonly Kind[] = KINDS,
  ): void {
    this.kindsInUse = kinds.filter((k) => k !== "huge");
    this.hugeInUse = kinds.includes("huge");
    const started = Date.now();
    const done = { frames: 0, forged: 0, probes: 0, groupTyping: 0 };
    this.timers.push(
      setInterval(() => {
        const elapsed = (Date.now() - started) / 1000;
        for (; done.frames < elapsed * rates.frames; done.frames++) this.sendOne();
        for (; done.forged < elapsed * rates.forged; done.forged++) this.forgeOne().catch(reportBug);
        for (; done.probes < elapsed * rates.probes; done.probes++) this.probeOne().catch(reportBug);
        for (; done.groupTyping < elapsed * rates.groupTyping; done.groupTyping++) this.typeInGroup();
      }, TICK_MS),
    );
  }

  /**
   * Stops sending and waits while the edge is still answering (a backlog drains at its own pace), giving up
   * after `graceMs` or 3 s without a new answer; then closes every socket and reports.
   */
  async stop(graceMs = 30_000): Promise<FloodStats> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    const deadline = Date.now() + graceMs;
    const answered = () => this.abusers.reduce((n, a) => n + a.errors, 0);
    for (let last = -1, quietSince = Date.now(); Date.now() < deadline && Date.now() - quietSince < 3_000;) {
      if (!this.abusers.some((a) => !a.closed && a.errors < a.sent)) break;
      if (answered() !== last) [last, quietSince] = [answered(), Date.now()];
      await new Promise((r) => setTimeout(r, 100));
    }
    const stats = this.stats();
    this.stopping = true;
    for (const a of this.abusers) a.ws.terminate();
    return stats;
  }

  private stats(): FloodStats {
    const open = this.abusers.filter((a) => !a.closed);
    return {
      sockets: this.abusers.length,
      frames: this.abusers.reduce((n, a) => n + a.sent, 0),
      byKind: [...this.kinds].map(([k, n]) => `${k} ${n}`).join(", "),
      errors: this.abusers.reduce((n, a) => n + a.errors, 0),
      otherAnswers: this.otherAnswers,
      unanswered: open.reduce((n, a) => n + Math.max(0, a.sent - a.errors), 0),
      closed: this.abusers.length - open.length,
      closedWithoutCause: this.abusers.filter((a) => a.closed && !a.huge).length,
      forged: this.forged,
      forgedAccepted: this.forgedAccepted,
      probes: this.probes,
      probesAnswered: this.probesAnswered,
      groupTyping: this.groupTyping,
    };
  }

  private async openOne(attacker: { id: string; token: string }, device: string): Promise<void> {
    const ws = new WebSocket(`${this.url.replace(/^http/, "ws")}/v1/connect?device=${device}`, {
      perMessageDeflate: false,
      headers: { Authorization: `Bearer ${attacker.token}` },
    });
    const abuser: Abuser = { attacker: attacker.id, ws, sent: 0, errors: 0, huge: false, closed: false };
    await new Promise<void>((resolve, reject) => {
      ws.once("message", () => resolve()); // the hello
      ws.once("error", reject);
    });
    ws.on("error", () => undefined);
    ws.on("message", (data, binary) => this.onAnswer(abuser, binary ? "" : String(data)));
    ws.on("close", () => (abuser.closed ||= !this.stopping));
    this.abusers.push(abuser);
  }

  private onAnswer(abuser: Abuser, text: string): void {
    const type = (JSON.parse(text || "{}") as { type?: string }).type;
    if (type === "error") abuser.errors++;
    // The attackers' own groups tell them about themselves and each other's typing; that is not an answer.
    else if (type !== "pong" && type !== "conversation" && type !== "typing") this.otherAnswers++;
  }

  private sendOne(): void {
    const open = this.abusers.filter((a) => !a.closed && a.ws.bufferedAmount < MAX_BUFFERED);
    if (open.length === 0) return;
    const abuser = this.random.pick(open);
    // Frames over a MiB are rare: enough to show the runtime refuses them, not so many that they are the whole test.
    const kind =
      this.hugeInUse && (this.kindsInUse.length === 0 || this.random.chance(0.002))
        ? "huge"
        : this.random.pick(this.kindsInUse);
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
    if (kind === "huge") abuser.huge = true;
    else abuser.sent++;
    abuser.ws.send(this.frameOf(kind));
  }

  private frameOf(kind: Kind): string | Buffer {
    const victim = this.random.pick(this.victims);
    const conversationId = this.random.pick(victim.conversations);
    const id = `x${this.random.int(1e9)}`;
    switch (kind) {
      case "malformed":
        return this.random.pick(MALFORMED);
      case "binary":
        return Buffer.from([0, 1, 2, 3, 255]);
      case "oversize-body":
        return JSON.stringify({ type: "send", clientMsgId: id, conversationId, body: "b".repeat(MAX_BODY_BYTES + 1) });
      case "oversize-frame":
        return JSON.stringify({ type: "typing", conversationId, pad: "p".repeat(MAX_FRAME_BYTES + 1) });
      case "foreign-send":
        return JSON.stringify({ type: "send", clientMsgId: id, conversationId, body: "not a member" });
      case "foreign-read":
        return JSON.stringify({ type: "read", conversationId, seq: 1 });
      case "made-up-conversation":
        return JSON.stringify(
          this.random.pick([
            { type: "typing", conversationId: `g:${id}` },
            { type: "read", conversationId: `g:${id}`, seq: 1 },
            { type: "send", clientMsgId: id, conversationId: `g:${id}`, body: "anyone?" },
          ]),
        );
      case "lone-surrogate":
        return JSON.stringify({ type: "send", clientMsgId: id, conversationId, body: "half a \ud83d pair" });
      case "huge":
        return HUGE;
    }
  }

  /** Typing into one of the attacker's big groups, from one of its sockets: no answer is expected. */
  private typeInGroup(): void {
    const open = this.abusers.filter((a) => !a.closed && (this.groups.get(a.attacker)?.length ?? 0) > 0);
    if (open.length === 0) return;
    const abuser = this.random.pick(open);
    abuser.ws.send(
      JSON.stringify({ type: "typing", conversationId: this.random.pick(this.groups.get(abuser.attacker)!) }),
    );
    this.groupTyping++;
  }

  /**
   * A stranger (an attacker without groups) asks for a victim's and a made-up user's presence, or for a made-up
   * conversation's history. Anything but "offline, never seen" and 403 learned something.
   */
  private async probeOne(): Promise<void> {
    const strangers = this.attackers.filter((a) => !this.groups.has(a.id));
    if (strangers.length === 0) return;
    const headers = { Authorization: `Bearer ${this.random.pick(strangers).token}` };
    this.probes++;
    try {
      if (this.random.chance(0.5)) {
        const users = [this.random.pick(this.victims).userId, `ghost-${this.random.int(1e9)}`];
        const res = await fetch(`${this.url}/v1/presence?users=${users.join(",")}`, { headers });
        const body = (await res.json()) as { presence?: Record<string, { online: boolean; lastSeen: number | null }> };
        if (
          res.status !== 200 ||
          users.some((u) => body.presence?.[u]?.online !== false || body.presence?.[u]?.lastSeen !== null)
        )
          this.probesAnswered++;
      } else {
        const res = await fetch(`${this.url}/v1/conversations/g:made-up-${this.random.int(1e9)}/messages`, { headers });
        await res.arrayBuffer();
        if (res.status !== 403) this.probesAnswered++;
      }
    } catch {
      // A refused connection taught nothing.
    }
  }

  private async forgeOne(): Promise<void> {
    const victim = this.random.pick(this.victims);
    const attacker = this.random.pick(this.attackers);
    const token = this.random.pick(forgedTokens(victim.userId, attacker.token));
    this.forged++;
    const wsUrl = this.url.replace(/^http/, "ws");
    const accepted = await (
      this.random.chance(0.5)
        ? tryUpgrade(wsUrl, token)
        : tryHttpSend(this.url, token, this.random.pick(victim.conversations))
    ).catch(() => false);
    if (accepted) this.forgedAccepted++;
  }
}

/** forgeOne and probeOne count every answer themselves; a rejection that escapes them is a bug of the tool. */
function reportBug(error: unknown): void {
  process.stderr.write(`flood: ${error instanceof Error ? error.stack : String(error)}\n`);
}
