/**
 * The phases of the `connections` scenario over sockets already open: `--hold` seconds each of idle, pinging
 * and waking, measuring workerd's CPU and resident memory in each.
 */
import type { Options } from "../cli.js";
import { CpuMeter, openFds, rssKiB } from "../proc.js";
import { load, type Progress } from "../progress.js";
import { Pinger } from "./pinger.js";
import { round3 } from "./result.js";

export interface PhaseResult {
  phase: "idle" | "pinging" | "waking";
  seconds: number;
  frames: number;
  pongs: number;
  workerdCores: number | null;
  /** workerd CPU per frame above the idle phase's, µs. */
  cpuUsPerFrame: number | null;
  rssKiB: number | null;
  /** workerd's open fds at the phase's end: an awake UserSession holds 3 (its database), a socket 1. */
  fds: number | null;
}

export async function hold(
  name: PhaseResult["phase"],
  frame: string | null,
  o: Options,
  pid: number | null,
  pinger: Pinger,
  progress: Progress,
  idleCores: number | null,
): Promise<PhaseResult> {
  const meter = pid === null ? null : new CpuMeter(pid);
  const rss = (): number | null => (pid === null ? null : rssKiB(pid));
  pinger.reset();
  if (frame) pinger.start(frame, o.pingInterval);
  const started = performance.now();
  for (let s = 1; s <= o.hold; s++) {
    await sleep(started + s * 1000 - performance.now());
    progress.note(
      `${name} ${s}/${o.hold}s: frames ${pinger.sent} answered ${pinger.answered} workerd ${load(meter?.load() ?? null)} RSS ${mib(rss())} MiB`,
    );
  }
  pinger.stop();
  const cpuMs = meter?.usedMs() ?? null;
  const seconds = (performance.now() - started) / 1000;
  await sleep(2_000); // the last answers
  const extraMs = cpuMs === null || idleCores === null ? null : cpuMs - idleCores * seconds * 1000;
  return {
    phase: name,
    seconds: round3(seconds),
    frames: pinger.sent,
    pongs: pinger.answered,
    workerdCores: cpuMs === null ? null : round3(cpuMs / 1000 / seconds),
    cpuUsPerFrame: extraMs === null || pinger.sent === 0 ? null : round3((extraMs * 1000) / pinger.sent),
    rssKiB: rss(),
    fds: pid === null ? null : openFds(pid),
  };
}

export function mib(kib: number | null): string {
  return kib === null ? "?" : (kib / 1024).toFixed(1);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
