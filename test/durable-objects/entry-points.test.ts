/**
 * An object's entry points (shared/entry-points.ts): a failure is logged with the class, the object's name and the
 * entry, and answered with the protocol's error value; the exception's text reaches no caller.
 */
import { describe, expect, it } from "vitest";
import { entryPoints, type Metered } from "../../durable-objects/shared/entry-points.js";
import { ok, type Result } from "../../protocol/index.js";
import { logLines } from "../support/logs.js";

interface ProbeRpc {
  works(): Result<number>;
  throws(): Result<number>;
  rejects(): Promise<Result<number>>;
}

class Probe implements ProbeRpc {
  readonly meter: Metered | null = null;
  readonly name = "alice";
  works(): Result<number> {
    return ok(1);
  }
  throws(): Result<number> {
    throw new Error("secret detail");
  }
  async rejects(): Promise<Result<number>> {
    throw new Error("secret detail");
  }
  async fetch(): Promise<Response> {
    throw new Error("secret detail");
  }
  async alarm(): Promise<void> {
    throw new Error("alarm detail");
  }
}

entryPoints<ProbeRpc>(Probe, "Probe", ["works", "throws", "rejects"], ["fetch", "alarm"]);

const errors = (work: () => unknown) => logLines("error", work);

const INTERNAL = { ok: false, error: { code: "internal", message: "internal error" } };

describe("entry points", () => {
  it("answer as the method does when it works", () => {
    expect(new Probe().works()).toEqual(ok(1));
  });

  it("log a throw or a rejection as 'Error in <Class>:<name> <entry>' and answer the internal error value", async () => {
    const probe = new Probe();
    const answers: unknown[] = [];
    const lines = await errors(async () => {
      answers.push(probe.throws(), await probe.rejects());
    });
    expect(answers).toEqual([INTERNAL, INTERNAL]);
    expect(lines).toMatchObject([
      {
        level: "error",
        source: "Probe",
        event: "entry_failed",
        message: "Error in Probe:alice throws",
        object: "alice",
        entry: "throws",
        error: "secret detail",
      },
      { message: "Error in Probe:alice rejects", error: "secret detail" },
    ]);
  });

  it("answer a failed fetch with the protocol's 500, without the exception's text", async () => {
    let res: Response | undefined;
    const lines = await errors(async () => (res = await new Probe().fetch()));
    expect(res!.status).toBe(500);
    expect(await res!.json()).toEqual({ error: { code: "internal", message: "internal error" } });
    expect(lines).toMatchObject([{ message: "Error in Probe:alice fetch" }]);
  });

  it("throw a failed alarm on after logging it, so the runtime retries it", async () => {
    let thrown: unknown;
    const lines = await errors(() => new Probe().alarm().catch((e: unknown) => (thrown = e)));
    expect(thrown).toMatchObject({ message: "alarm detail" });
    expect(lines).toMatchObject([{ message: "Error in Probe:alice alarm" }]);
  });
});
