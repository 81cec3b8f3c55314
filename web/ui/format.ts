/** Human-readable times for message stamps and presence. */
import type { Presence } from "../../protocol/message.js";

export function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function fullTime(ms: number): string {
  return new Date(ms).toLocaleString();
}

export function presenceText(p: Presence | undefined, now = Date.now()): string {
  if (!p) return "";
  if (p.online) return "online";
  if (p.lastSeen === null) return "never seen";
  const minutes = Math.floor((now - p.lastSeen) / 60_000);
  if (minutes < 1) return "last seen just now";
  if (minutes < 60) return `last seen ${minutes} min ago`;
  if (minutes < 24 * 60) return `last seen ${Math.floor(minutes / 60)} h ago`;
  return `last seen ${new Date(p.lastSeen).toLocaleDateString()}`;
}

/** A file's size as people read it: 512 B, 14 KB, 3.2 MB. */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const [value, unit] = bytes < 1024 * 1024 ? [bytes / 1024, "KB"] : [bytes / (1024 * 1024), "MB"];
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}
