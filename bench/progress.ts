/**
 * The live progress line on stderr: rewritten in place on a terminal, one line every few seconds otherwise
 * (so a log file stays readable). stdout carries only the result.
 */
import type { Snapshot } from "./load/driver.js";
import { percentiles } from "./load/result.js";

const NON_TTY_EVERY_MS = 5_000;

export const load = (x: number | null): string => (x === null ? "?" : `${Math.round(x * 100)}%`);

export class Progress {
  private lastPrinted = -Infinity;

  constructor(private readonly label: string) {}

  messaging = (s: Snapshot): void => {
    const t = s.tracker;
    const p = percentiles(t.latency);
    this.line(
      `${s.elapsedS.toFixed(0)}s sent ${t.sent} acked ${t.acked} delivered ${t.completed} in-flight ${t.sent - t.completed}` +
        ` p50 ${p.p50}ms p99 ${p.p99}ms cpu: workerd ${load(s.cpu.workerdLoad)} bench ${load(s.cpu.benchLoad)} others ${load(s.cpu.othersLoad)}`,
    );
  };

  note(text: string): void {
    this.line(text);
  }

  done(): void {
    if (process.stderr.isTTY) process.stderr.write("\n");
  }

  private line(text: string): void {
    const full = `[${this.label}] ${text}`;
    const now = performance.now();
    if (process.stderr.isTTY) {
      process.stderr.write(`\r\x1b[2K${full.slice(0, (process.stderr.columns ?? 160) - 1)}`);
    } else if (now - this.lastPrinted >= NON_TTY_EVERY_MS) {
      this.lastPrinted = now;
      process.stderr.write(`${full}\n`);
    }
  }
}
