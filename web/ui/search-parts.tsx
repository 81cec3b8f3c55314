/** What a search in a conversation and a search in all chats share: the form, and a result as a button. */
import type { ComponentChildren } from "preact";
import { handler } from "./handler.js";
import { clock, fullTime } from "./format.js";

interface FormProps {
  id: string;
  label: string;
  run(query: string): Promise<void>;
  autoFocus?: boolean;
}

export function SearchForm({ id, label, run, autoFocus }: FormProps) {
  const submit = (event: Event) => {
    event.preventDefault();
    return run(String(new FormData(event.target as HTMLFormElement).get("q") ?? ""));
  };
  return (
    <form role="search" onSubmit={handler(submit)}>
      <label for={id} class="visually-hidden">
        {label}
      </label>
      <input id={id} name="q" type="search" placeholder={label} autocomplete="off" autoFocus={autoFocus} />
      <button type="submit">Find</button>
    </form>
  );
}

interface ResultProps {
  who: ComponentChildren;
  sentAt: number;
  body: string;
  onClick(): void;
}

export function Result({ who, sentAt, body, onClick }: ResultProps) {
  return (
    <button type="button" class="result" onClick={onClick}>
      <span class="result-who">{who}</span>
      <time dateTime={new Date(sentAt).toISOString()} title={fullTime(sentAt)}>
        {clock(sentAt)}
      </time>
      <span class="result-body">{body}</span>
    </button>
  );
}
