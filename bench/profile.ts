/**
 * A CPU profile of the Worker's isolate over the measurement window, through workerd's inspector (Chrome
 * DevTools Protocol): every Durable Object of the worker runs in that isolate, so one profile covers the
 * router, UserSessions and Conversations. The `.cpuprofile` opens in Chrome DevTools or speedscope; the
 * bench also prints where the time went, by function (self time) and by source file. `summarize` also reads
 * Node's own profiles (`node --cpu-prof`), e.g. of the origin scenario.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT } from "../test/support/bundle.js";
import WebSocket from "ws";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export class Profiler {
  private nextId = 1;
  private readonly waiting = new Map<number, (result: unknown) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data) => {
      // workerd answers Profiler.* calls as `{id, method, result}`: any message with our id is the answer.
      const reply = JSON.parse(String(data)) as { id?: number; result?: unknown };
      if (reply.id !== undefined) this.waiting.get(reply.id)?.(reply.result);
    });
  }

  /** Attaches to the user worker listed by the inspector at `port` (Miniflare names it `core:user:<name>`). */
  static async attach(port: number): Promise<Profiler> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as {
      webSocketDebuggerUrl: string;
      id?: string;
    }[];
    const target = targets.find((t) => t.id?.startsWith("core:user:")) ?? targets[0];
    if (!target) throw new Error(`no inspector target at port ${port}`);
    const ws = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    return new Profiler(ws);
  }

  async start(samplingUs = 500): Promise<void> {
    // Without Runtime.enable first, workerd's profiler recorded no JavaScript samples here.
    await this.call("Runtime.enable");
    await this.call("Profiler.enable");
    await this.call("Profiler.setSamplingInterval", { interval: samplingUs });
    await this.call("Profiler.start");
  }

  /** Stops, writes the profile to `file`, and says where the time of its last `lastMs` went. */
  async stop(file: string, lastMs: number, top = 30): Promise<string> {
    const { profile } = (await this.call("Profiler.stop")) as { profile: CpuProfile };
    this.ws.close();
    writeFileSync(file, JSON.stringify(profile));
    return summarize(profile, top, lastMs);
  }

  private call(method: string, params: object = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }
}

const modules = new Map<string, string[]>();

/**
 * The source module a line of the bundle came from: esbuild (not minified) opens each module's code with a
 * `// path/to/module.ts` comment, so no source map is needed. Line numbers stay those of the bundle.
 */
function moduleAt(url: string, line: number): string {
  // A Node profile (`node --cpu-prof`) names real files: the module is the file itself.
  if (url.startsWith("file://")) return relative(ROOT, fileURLToPath(url));
  let byLine = modules.get(url);
  if (!byLine) {
    const path = resolve(ROOT, url);
    let current = url.split("/").pop() ?? url;
    byLine = existsSync(path)
      ? readFileSync(path, "utf8")
          .split("\n")
          .map((text) => (current = text.match(/^\/\/ (\S+\.[cm]?[jt]s)$/)?.[1] ?? current))
      : [];
    modules.set(url, byLine);
  }
  return byLine[line] ?? url;
}

/**
 * Self time by function and by source module, as shares of all samples ("(idle)" is the isolate waiting).
 * A native function (SQL `exec`, RPC, `send`…) is charged to the JavaScript function that called it, so
 * "exec <- append store.ts" tells which query it was; its module is the caller's.
 */
export function summarize(profile: CpuProfile, top: number, lastMs = Infinity): string {
  const hits = new Map<number, number>();
  const from = profile.endTime - lastMs * 1000;
  let at = profile.startTime;
  let total = 0;
  (profile.samples ?? []).forEach((id, i) => {
    at += profile.timeDeltas?.[i] ?? 0;
    if (at < from) return;
    hits.set(id, (hits.get(id) ?? 0) + 1);
    total++;
  });
  const parent = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  for (const node of profile.nodes) {
    const n = hits.get(node.id) ?? 0;
    if (n === 0) continue;
    let caller: ProfileNode | undefined = node;
    while (caller && !caller.callFrame.url) caller = parent.get(caller.id);
    const where = caller
      ? `${caller.callFrame.functionName || "(anonymous)"} ${moduleAt(caller.callFrame.url, caller.callFrame.lineNumber)}`
      : "";
    const key = node === caller ? where : `${node.callFrame.functionName}${where ? ` <- ${where}` : ""}`;
    const module = caller ? moduleAt(caller.callFrame.url, caller.callFrame.lineNumber) : node.callFrame.functionName;
    byFunction.set(key, (byFunction.get(key) ?? 0) + n);
    byModule.set(module, (byModule.get(module) ?? 0) + n);
  }
  const list = (m: Map<string, number>, count: number): string[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([k, n]) => `${((100 * n) / Math.max(1, total)).toFixed(1).padStart(6)}%  ${k}`);
  const seconds = ((profile.endTime - Math.max(from, profile.startTime)) / 1e6).toFixed(1);
  return [
    `${total} samples over ${seconds} s`,
    "self time by function (natives charged to their caller):",
    ...list(byFunction, top),
    "by module:",
    ...list(byModule, 15),
  ].join("\n");
}
