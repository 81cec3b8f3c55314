/** A tiny typed event emitter (the client runs in browsers and Node alike, so no `events` module). */
type Handler<Events, K extends keyof Events> = (value: Events[K]) => void;

export class Emitter<Events extends Record<string, unknown>> {
  // Each set holds the handlers of its own event only: `on` and `emit` keep the key and the value's type together.
  private readonly handlers = new Map<keyof Events, Set<Handler<Events, keyof Events>>>();

  on<K extends keyof Events>(event: K, handler: Handler<Events, K>): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    const stored = handler as Handler<Events, keyof Events>;
    set.add(stored);
    return () => set.delete(stored);
  }

  protected emit<K extends keyof Events>(event: K, value: Events[K]): void {
    for (const handler of this.handlers.get(event) ?? []) handler(value);
  }
}
