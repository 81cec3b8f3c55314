/** The page: the sign-in form, or the signed-in chat (conversation list beside the open conversation). */
import { useEffect, useState } from "preact/hooks";
import { isMuted } from "../state/safety.js";
import { ChatSession } from "../state/session.js";
import { forgetUser, loadUser, saveUser, setTabUser, tabDeviceId, tabUser } from "../state/storage.js";
import { ChatView } from "./chat-view.js";
import { useNoStrayDrops } from "./file-drop.js";
import { PushButton } from "./push-button.js";
import { Sidebar } from "./sidebar.js";
import { SignIn } from "./sign-in.js";

function open(userId: string, token: string): ChatSession {
  saveUser(userId, { token });
  setTabUser(userId);
  return new ChatSession(location.origin, userId, token, tabDeviceId());
}

function resume(): ChatSession | null {
  const userId = tabUser();
  const token = userId ? loadUser(userId)?.token : undefined;
  return userId && token ? open(userId, token) : null;
}

export function App() {
  const [session, setSession] = useState<ChatSession | null>(resume);
  const [reason, setReason] = useState("");
  useEffect(() => {
    session?.start();
    return () => session?.stop();
  }, [session]);
  const end = (why: string) => {
    setReason(why);
    setSession(null);
  };
  const signOut = () => {
    if (session) forgetUser(session.me);
    end("");
  };
  // An expired token keeps the positions and unsent messages: signing in again resumes and sends them.
  const expire = () => {
    if (session) saveUser(session.me, { token: "" });
    end("Your sign-in has expired. Sign in again.");
  };
  if (!session) return <SignIn reason={reason} onSignedIn={(userId, token) => setSession(open(userId, token))} />;
  return <ChatScreen key={session.me} session={session} onSignOut={signOut} onExpired={expire} />;
}

/** Re-renders on every state change of the session (batched per task by the session). */
function useSession(session: ChatSession): void {
  const [, setTick] = useState(0);
  useEffect(() => session.subscribe(() => setTick((t) => t + 1)), [session]);
}

interface ScreenProps {
  session: ChatSession;
  onSignOut(): void;
  onExpired(): void;
}

function ChatScreen({ session, onSignOut, onExpired }: ScreenProps) {
  useSession(session);
  useNoStrayDrops();
  useEffect(() => {
    if (session.expired) onExpired();
  }, [session.expired]);
  const { selected, connection } = session;
  // A muted conversation's messages arrive and count in its badge, but not in the tab's title.
  const unreadTotal = Object.values(session.conversations)
    .filter((c) => !isMuted(c))
    .reduce((n, c) => n + session.unread(c), 0);
  useEffect(() => {
    document.title = unreadTotal > 0 ? `(${unreadTotal}) Edge Chat` : "Edge Chat";
  }, [unreadTotal]);
  return (
    <div class={`screen ${selected ? "has-chat" : ""}`}>
      <header class="topbar">
        <h1>Edge Chat</h1>
        <span class={`conn conn-${connection}`} role="status" data-testid="connection">
          {connection === "open" ? "Connected" : connection === "connecting" ? "Reconnecting…" : "Offline"}
        </span>
        <span class="me">
          <span class="label">Signed in as </span>
          <strong data-testid="me">{session.me}</strong>
        </span>
        <PushButton session={session} />
        <button type="button" class="link" onClick={() => onSignOut()}>
          Sign out
        </button>
      </header>
      <Notices session={session} />
      <div class="panes">
        <Sidebar session={session} />
        {selected && session.conversations[selected] ? (
          <ChatView key={selected} session={session} conv={session.conversations[selected]!} />
        ) : (
          <main class="empty-chat">
            <p>
              Pick a conversation, or start one: type a name (for example <em>bob</em>) under “New chat”.
            </p>
          </main>
        )}
      </div>
    </div>
  );
}

function Notices({ session }: { session: ChatSession }) {
  if (session.notices.length === 0) return null;
  return (
    <ul class="notices" role="alert" data-testid="notices">
      {session.notices.map((n) => (
        <li key={n.id}>
          <span>{n.text}</span>
          <button type="button" aria-label="Dismiss" onClick={() => session.dismiss(n.id)}>
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
