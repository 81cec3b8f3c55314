/**
 * Sign-in: a user name is enough where the edge offers dev tokens (`npm start`: DEV_AUTH=1); elsewhere that
 * route answers 404 and the person pastes a token issued for them.
 */
import { handler } from "./handler.js";
import { useState } from "preact/hooks";
import { ApiError, ChatApi } from "../../client/api.js";
import { ID_RULES } from "../../protocol/limits.js";
import { describeThrown } from "../state/errors.js";
import { tokenUser } from "../state/storage.js";

interface Props {
  reason: string;
  onSignedIn(userId: string, token: string): void;
}

export function SignIn({ reason, onSignedIn }: Props) {
  const [error, setError] = useState(reason);
  const [busy, setBusy] = useState(false);
  const [needToken, setNeedToken] = useState(false);

  const withName = async (event: Event) => {
    event.preventDefault();
    const name = String(new FormData(event.target as HTMLFormElement).get("name") ?? "").trim();
    if (!ID_RULES.userId.pattern.test(name))
      return setError(`A name is 1–${ID_RULES.userId.maxLength} letters, digits, dots, dashes or underscores.`);
    setBusy(true);
    try {
      onSignedIn(name, await ChatApi.devToken(location.origin, name));
    } catch (thrown) {
      const noDevAuth = thrown instanceof ApiError && thrown.status === 404;
      setNeedToken(noDevAuth);
      setError(
        noDevAuth
          ? "This server does not hand out tokens by name. Paste a token issued for you."
          : describeThrown(thrown),
      );
    } finally {
      setBusy(false);
    }
  };

  const withToken = (event: Event) => {
    event.preventDefault();
    const token = String(new FormData(event.target as HTMLFormElement).get("token") ?? "").trim();
    const userId = tokenUser(token);
    if (!userId) return setError("That does not look like a chat token (a JWT whose subject is your user name).");
    onSignedIn(userId, token);
  };

  return (
    <main class="sign-in">
      <h1>Edge Chat</h1>
      <form onSubmit={handler(withName)}>
        <label for="name">Your name</label>
        <input
          id="name"
          name="name"
          autocomplete="username"
          required
          maxLength={ID_RULES.userId.maxLength}
          placeholder="alice"
          autoFocus
        />
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <details open={needToken}>
        <summary>Sign in with a token</summary>
        <form onSubmit={withToken}>
          <label for="token">Token</label>
          <textarea id="token" name="token" rows={3} required spellcheck={false} />
          <button type="submit">Use token</button>
        </form>
      </details>
      <p class="hint">Open this page in a second window, sign in with another name, and start a chat.</p>
    </main>
  );
}
