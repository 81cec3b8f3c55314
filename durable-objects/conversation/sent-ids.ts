/**
 * Which clientMsgIds each sender used, and the seq each got, for at least `windowMs`: the conversation's
 * idempotency, in memory instead of a unique index (which would bill a second row written per message).
 *
 * Two generations of maps: new ids go into the current one, and once it is `windowMs` old (at the next send) it becomes
 * the previous one and the one before is dropped, so an id is remembered for at least one window, forgotten once the
 * maps turned twice after it, and forgetting costs nothing per message.
 */
type BySender = Map<string, Map<string, number>>;

export class SentIds {
  private current: BySender = new Map();
  private previous: BySender = new Map();

  constructor(
    private readonly windowMs: number,
    private since: number,
  ) {}

  get(senderId: string, clientMsgId: string): number | undefined {
    return this.current.get(senderId)?.get(clientMsgId) ?? this.previous.get(senderId)?.get(clientMsgId);
  }

  add(senderId: string, clientMsgId: string, seq: number, now: number): void {
    if (now - this.since >= this.windowMs) {
      [this.previous, this.current, this.since] = [this.current, new Map(), now];
    }
    let ids = this.current.get(senderId);
    if (!ids) this.current.set(senderId, (ids = new Map()));
    ids.set(clientMsgId, seq);
  }
}
