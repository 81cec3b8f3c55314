/**
 * What the kernel knows about a process (Linux /proc): resident memory and CPU time. The bench reads them for
 * workerd (memory per socket, CPU per message or ping) and for itself (to tell when the load generator, not
 * the system under test, is the bottleneck).
 */
import { readdirSync, readFileSync } from "node:fs";

/** Kernel clock ticks per second (`getconf CLK_TCK`): 100 on every Linux we run on. */
const TICKS_PER_SEC = 100;

/** Resident set size in KiB (VmRSS), or null when the process is gone. */
export function rssKiB(pid: number): number | null {
  try {
    const match = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+)\s+kB/m);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** User + system CPU time consumed so far, in ms (threads included). */
export function cpuMs(pid: number): number {
  const fields = statFields(pid);
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SEC;
}

/** Fields of /proc/<pid>/stat after the command name (which may contain spaces): index 0 is `state`. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** CPU time of a process (or with pid "machine", of every process) over an interval. */
export class CpuMeter {
  private startCpu: number;
  private startAt: number;
  private readonly read: () => number;

  constructor(pid: number | "machine") {
    this.read = pid === "machine" ? machineBusyMs : () => cpuMs(pid);
    this.startCpu = this.read();
    this.startAt = performance.now();
  }

  /** CPU ms used since construction (or the last `reset`). */
  usedMs(): number {
    return this.read() - this.startCpu;
  }

  /** Cores used since construction (1 = one core fully busy). */
  load(): number {
    return this.usedMs() / Math.max(1, performance.now() - this.startAt);
  }

  reset(): void {
    this.startCpu = this.read();
    this.startAt = performance.now();
  }
}

/** Open file descriptors of a process. */
export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** Busy CPU time of the whole machine (all cores, every process, steal excluded), in ms. */
export function machineBusyMs(): number {
  const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq] = ticks.map(Number);
  return ((user! + nice! + system! + irq! + softirq!) * 1000) / TICKS_PER_SEC;
}

/** Memory mappings of a process (/proc/<pid>/maps lines), bounded by vm.max_map_count (65,530 by default). */
export function mapCount(pid: number): number {
  try {
    return readFileSync(`/proc/${pid}/maps`, "utf8").split("\n").length - 1;
  } catch {
    return 0;
  }
}
