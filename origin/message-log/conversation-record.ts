/**
 * What the `messages` stream carries: each conversation's log entries (messages and actions, in seq order) and members
 * snapshots, keyed by conversation, in the order the conversation sent them. Its consumers (persister, push) decode
 * records with this schema.
 */
import { z } from "zod";
import { actionEvent, membersEvent, messageEvent } from "../../protocol/events.js";

export const conversationRecord = z.discriminatedUnion("kind", [messageEvent, actionEvent, membersEvent]);
export type ConversationRecord = z.infer<typeof conversationRecord>;
