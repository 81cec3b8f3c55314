/** A stored message for tests that build reports and pages by hand: bob's line `seq` of group `g:1`. */
import type { Message } from "../../protocol/index.js";

export const message = (seq: number, extra: Partial<Message> = {}): Message => ({
  conversationId: "g:1",
  seq,
  senderId: "bob",
  clientMsgId: `m${seq}`,
  body: `line ${seq}`,
  sentAt: seq,
  ...extra,
});
