/**
 * What the `messages` stream carries: each conversation's messages and members snapshots, keyed by conversation, in
 * the order the conversation sent them. Its consumers (persister, push) decode records with this schema.
 */
import { z } from "zod";
import { membersEvent, messageEvent } from "../../protocol/events.js";

export const conversationRecord = z.discriminatedUnion("kind", [messageEvent, membersEvent]);
export type ConversationRecord = z.infer<typeof conversationRecord>;
