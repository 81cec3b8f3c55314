/**
 * Durable Object stubs by name, kept for the life of the object: `idFromName` hashes the name (SHA-256) and a hot path
 * (a fan-out to every member, a send per batch) would otherwise pay for it on every call. A stub is typed with the
 * class's RPC interface (rpc.ts), not the class: callers see what it offers, nothing of how it is built.
 */
import type { Remote } from "../rpc.js";

/** The part of a namespace binding a cache needs; `DurableObjectNamespace<C>` is one when C implements `Rpc`. */
export interface Namespace<Rpc> {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): Remote<Rpc>;
}

export class StubCache<Rpc> {
  private readonly stubs = new Map<string, Remote<Rpc>>();

  constructor(
    private readonly namespace: Namespace<Rpc>,
    private readonly max = 4096,
  ) {}

  get(name: string): Remote<Rpc> {
    let stub = this.stubs.get(name);
    if (!stub) {
      if (this.stubs.size >= this.max) this.stubs.delete(this.stubs.keys().next().value!);
      stub = this.namespace.get(this.namespace.idFromName(name));
      this.stubs.set(name, stub);
    }
    return stub;
  }
}
