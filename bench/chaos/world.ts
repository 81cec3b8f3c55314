/**
 * The system under test of one scenario: the real Worker and Durable Objects in workerd (Miniflare, persisted
 * SQLite, fixed port, so `crash()` restarts on the same state and clients reconnect to the same address), and,
 * when asked, an origin pipeline behind it. Each scenario gets a fresh world and removes it afterwards.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildWorker, ROOT } from "../../test/support/bundle.js";
import { startEdge, type Edge } from "../../test/support/edge.js";
import { OriginPipeline } from "./origin.js";

export interface WorldOptions {
  name: string;
  origin: boolean;
  storage: "disk" | "tmpfs";
  /** Extra Worker bindings (FANOUT_RETRY_MS, OUTBOX_RETRY_MS, …) on top of the product defaults. */
  edgeEnv: Record<string, string>;
  /** The origin's environment on top of the tests' (the cluster's brokers, contact points and replication). */
  originEnv?: Record<string, string>;
}

export class World {
  private constructor(
    readonly edge: Edge,
    readonly origin: OriginPipeline | null,
    private readonly bundle: string,
  ) {}

  static async start(options: WorldOptions): Promise<World> {
    // A bundle per process: test files run in parallel and must not read a bundle another one is writing.
    const scriptPath = await buildWorker(resolve(ROOT, `.build/chaos/worker-${process.pid}.js`));
    let origin: OriginPipeline | null = null;
    try {
      origin = options.origin ? await OriginPipeline.start(options.name, options.originEnv) : null;
      const persistDir = mkdtempSync(join(options.storage === "tmpfs" ? "/dev/shm" : tmpdir(), "edge-chaos-"));
      const bindings = { ...options.edgeEnv, ...(origin?.edgeBindings ?? {}) };
      return new World(await startEdge({ bindings, persistDir, scriptPath }), origin, scriptPath);
    } catch (error) {
      await origin?.stop();
      rmSync(scriptPath, { force: true });
      throw error;
    }
  }

  get url(): string {
    return this.edge.url;
  }

  async stop(): Promise<void> {
    await this.edge.stop().catch(() => undefined);
    rmSync(this.edge.persistDir, { recursive: true, force: true });
    rmSync(this.bundle, { force: true });
    await this.origin?.stop();
  }
}
