/**
 * Reporting a message to the operators: a reason, an optional note, and "also block the sender". A modal <dialog>:
 * focus stays inside it while open, Escape cancels.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { ReportReason } from "../../client/api.js";
import { REPORT_REASONS } from "../state/safety.js";
import type { ChatSession } from "../state/session.js";
import { handler } from "./handler.js";

export function ReportDialog({ session }: { session: ChatSession }) {
  const message = session.safety.reporting;
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (message && !dialog.current?.open) dialog.current?.showModal();
    if (!message) dialog.current?.close();
  }, [message]);
  if (!message) return null;
  const submit = async (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    setBusy(true);
    await session.safety.report(
      String(data.get("reason")) as ReportReason,
      String(data.get("note") ?? ""),
      data.get("block") === "on",
    );
    setBusy(false);
  };
  return (
    <dialog
      ref={dialog}
      class="report-dialog"
      aria-labelledby="report-title"
      onCancel={() => session.safety.cancelReport()}
    >
      <form onSubmit={handler(submit)}>
        <h2 id="report-title">Report message from {message.senderId}</h2>
        <blockquote class="reported">{message.deleted ? "message deleted" : message.body}</blockquote>
        <fieldset>
          <legend>Reason</legend>
          {REPORT_REASONS.map((r, i) => (
            <label key={r.value} class="check">
              <input type="radio" name="reason" value={r.value} defaultChecked={i === 0} required />
              {r.label}
            </label>
          ))}
        </fieldset>
        <label for="report-note">Note (optional)</label>
        <textarea id="report-note" name="note" maxLength={500} rows={2} />
        <label class="check">
          <input type="checkbox" name="block" />
          Also block {message.senderId}
        </label>
        <div class="dialog-actions">
          <button type="button" class="secondary" onClick={() => session.safety.cancelReport()}>
            Cancel
          </button>
          <button type="submit" disabled={busy}>
            Send report
          </button>
        </div>
      </form>
    </dialog>
  );
}
