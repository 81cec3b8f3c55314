/** The cost report as a table: per message and per connected device-hour, the billed units and the dollars. */
import type { EntryUnits, Units } from "./ledger.js";
import { MIX, type MixCost } from "./mix.js";
import type { CostReport } from "./run.js";

const COLUMNS: [keyof Units, string][] = [
  ["requests", "DO req"],
  ["rpc", "rpc"],
  ["alarms", "alarms"],
  ["wsIn", "ws in/20"],
  ["rowsWritten", "rows wr"],
  ["rowsRead", "rows rd"],
  ["workerRequests", "worker"],
  ["r2ClassA", "R2 A"],
  ["r2ClassB", "R2 B"],
  ["gbSeconds", "GB-s"],
  ["usd", "$"],
];

export function costTable(r: CostReport): string {
  const lines = [`cost per message (per device-hour for idle*), commit ${r.commit}, prices of ${r.prices.date}`];
  lines.push(
    [
      "scenario".padEnd(20),
      "msgs".padStart(5),
      ...COLUMNS.map(([, h]) => h.padStart(9)),
      "peak/s".padStart(7),
      " lost dup",
    ].join(" "),
  );
  for (const [name, s] of Object.entries(r.scenarios)) {
    const row = name.startsWith("idle") ? s.perDeviceHour : s.perMessage;
    lines.push(
      [
        name.padEnd(20),
        String(s.messages).padStart(5),
        ...COLUMNS.map(([k]) => fmt(row[k]).padStart(9)),
        String(s.peakObjectRps).padStart(7),
        ` ${s.lost} ${s.duplicated}`,
      ].join(" "),
    );
  }
  lines.push(
    "",
    ...Object.entries(r.scenarios).map(
      ([name, s]) =>
        `${name}: ${s.describe}; $ per million messages ${fmt(s.perMessage.usd * 1e6)}, per million device-hours ${fmt(s.perDeviceHour.usd * 1e6)}`,
    ),
  );
  for (const [name, s] of Object.entries(r.scenarios)) if (s.byEntry) lines.push("", ...entryLines(name, s.byEntry));
  if (r.mix) lines.push("", ...mixLines(r.mix));
  return lines.join("\n");
}

/** Per message, where the units went: each class's entry points, with their calls, rows and R2 operations. */
function entryLines(scenario: string, entries: Record<string, EntryUnits>): string[] {
  const header = ["calls", "rows wr", "rows rd", "R2 A", "R2 B", "R2 free"];
  return [
    `${scenario} per message, by entry point:`,
    ["  entry".padEnd(36), ...header.map((h) => h.padStart(8))].join(" "),
    ...Object.entries(entries).map(([name, e]) =>
      [
        `  ${name}`.padEnd(36),
        ...[e.calls, e.rowsWritten, e.rowsRead, e.r2ClassA, e.r2ClassB, e.r2Free].map((x) => fmt(x).padStart(8)),
      ].join(" "),
    ),
  ];
}

function mixLines(m: MixCost): string[] {
  const shares = Object.entries(MIX.messageShares)
    .map(([name, share]) => `${Math.round(share! * 100)}% ${name}`)
    .join(", ");
  const million = (usd: number) => `$${(usd / 1e6).toFixed(3)}M`;
  return [
    `mix (${shares}; ${MIX.messagesPerDay / 1e9}B messages a day): $${m.perMillionMessages.toFixed(2)} per million messages`,
    `per month: messages ${million(m.messagesPerMonth)}, connected hours ${million(m.connectedPerMonth)}, reconnects ${million(m.reconnectsPerMonth)}; ` +
      `total ${million(m.totalPerMonth)} ($${m.allInPerMillionMessages.toFixed(2)} per million messages all in) against a ${million(MIX.gatewayFleetPerMonth)} gateway fleet and Ably's $${MIX.ablyPerMillion1to1} per million`,
  ];
}

function fmt(x: number): string {
  if (x === 0) return "0";
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}
