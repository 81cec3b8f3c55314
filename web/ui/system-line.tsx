/** A change of the group, as a line between messages ("alice added bob"), with when it happened. */
import type { Message } from "../../protocol/message.js";
import { systemText } from "../state/safety.js";
import { fullTime } from "./format.js";

export function SystemLine({ message, me }: { message: Message; me: string }) {
  return (
    <li class="system-line" data-seq={message.seq} data-testid="system-line" title={fullTime(message.sentAt)}>
      {systemText(message.senderId, message.system!, me)}
    </li>
  );
}
