/**
 * An event handler that runs async work. The work shows its own failures (through `session.guard` or a try/catch);
 * what still escapes is a bug, logged rather than left as an unhandled rejection.
 */
export function handler<E>(work: (event: E) => Promise<unknown>): (event: E) => void {
  return (event) => {
    work(event).catch((thrown: unknown) => console.error(thrown));
  };
}
