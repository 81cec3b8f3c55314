/**
 * CPU over a window for workerd, this process, and everything else on the machine: the bench shares two
 * cores with the runtime it drives (and with whatever else runs here), so each figure says who had the CPU.
 */
import { CpuMeter } from "../proc.js";

export interface CpuReading {
  /** workerd CPU ms over the window; null when its pid is unknown. */
  workerdMs: number | null;
  /** Cores (1 = one core busy the whole window). */
  workerdLoad: number | null;
  benchLoad: number;
  /** Every other process on the machine, in cores: more than a few tenths means the figures are noisy. */
  othersLoad: number;
}

export class Meters {
  private readonly workerd: CpuMeter | null;
  private readonly bench = new CpuMeter(process.pid);
  private readonly machine = new CpuMeter("machine");

  constructor(workerdPid: number | null) {
    this.workerd = workerdPid === null ? null : new CpuMeter(workerdPid);
  }

  reset(): void {
    this.workerd?.reset();
    this.bench.reset();
    this.machine.reset();
  }

  read(): CpuReading {
    const workerdLoad = this.workerd?.load() ?? null;
    const benchLoad = this.bench.load();
    return {
      workerdMs: this.workerd?.usedMs() ?? null,
      workerdLoad,
      benchLoad,
      othersLoad: Math.max(0, this.machine.load() - benchLoad - (workerdLoad ?? 0)),
    };
  }
}
