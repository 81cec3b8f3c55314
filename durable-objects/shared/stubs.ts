/**
 * Durable Object stubs by name, kept for the life of the object: `idFromName` hashes the name (SHA-256) and
 * a hot path (a fan-out to every member, a send per batch) would otherwise pay for it on every call.
 */
export class StubCache<T extends Rpc.DurableObjectBranded> {
  private readonly stubs = new Map<string, DurableObjectStub<T>>();

  constructor(private readonly namespace: DurableObjectNamespace<T>, private readonly max = 4096) {}

  get(name: string): DurableObjectStub<T> {
    let stub = this.stubs.get(name);
    if (!stub) {
      if (this.stubs.size >= this.max) this.stubs.delete(this.stubs.keys().next().value!);
      stub = this.namespace.get(this.namespace.idFromName(name));
      this.stubs.set(name, stub);
    }
    return stub;
  }
}
