export { ChatApi, ApiError } from "./api.js";
export {
  ChatClient,
  newClientMsgId,
  type ClientEvents,
  type ClientOptions,
  type ConnectionState,
} from "./chat-client.js";
export { ConversationOrder } from "./conversation-order.js";
export type * from "../protocol/frames.js";
export type * from "../protocol/message.js";
export type { Report, ReportPage, ReportReason, ReportReceipt } from "../protocol/reports.js";
