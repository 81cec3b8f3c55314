/** "Enable notifications", shown only when the edge has a push key and the browser can subscribe. */
import { handler } from "./handler.js";
import { useEffect, useState } from "preact/hooks";
import { pushKey, pushSupported, subscribe, subscribed } from "../push.js";
import { describeThrown } from "../state/errors.js";
import type { ChatSession } from "../state/session.js";

type Stage = "hidden" | "offer" | "busy" | "on";

export function PushButton({ session }: { session: ChatSession }) {
  const [key, setKey] = useState<string | null>(null);
  const [stage, setStage] = useState<Stage>("hidden");
  // The browser's subscription belongs to the origin, not to a user: "on" also needs this user to have sent it.
  const flag = `chat.push.${session.me}`;
  useEffect(() => {
    if (!pushSupported()) return;
    // Without a key (no origin, or none reachable) notifications are not offered.
    pushKey(session.url, session.token).then(
      async (k) => {
        setKey(k);
        if (k) setStage(localStorage.getItem(flag) && (await subscribed().catch(() => false)) ? "on" : "offer");
      },
      () => undefined,
    );
  }, [session]);
  if (stage === "hidden" || !key) return null;
  if (stage === "on") return <span class="push-on">Notifications on</span>;
  const enable = async () => {
    setStage("busy");
    try {
      await session.api.subscribePush(await subscribe(key));
      localStorage.setItem(flag, "1");
      setStage("on");
    } catch (thrown) {
      session.notice(thrown instanceof Error && !("status" in thrown) ? thrown.message : describeThrown(thrown));
      setStage("offer");
    }
  };
  return (
    <button type="button" class="secondary" disabled={stage === "busy"} onClick={handler(enable)}>
      Enable notifications
    </button>
  );
}
