/**
 * Dependencies run one way: workers/ → durable-objects/ → protocol/, and client/ → protocol/, web/ → client/ and
 * protocol/. A Durable Object never reaches into the Worker, and the wire rules depend on nothing of the edge, so
 * each layer can change without hunting through the ones below it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support/bundle.js";

/** What each folder's files may import, besides themselves and packages. */
const ALLOWED: Record<string, string[]> = {
  protocol: [],
  "durable-objects": ["protocol"],
  workers: ["durable-objects", "protocol"],
  client: ["protocol"],
  web: ["client", "protocol"],
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|tsx)$/.test(entry.name) ? [path] : [];
  });
}

/** The top folder each relative import of `file` lands in. */
function importedFolders(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.[^"]+)"/g)].map((m) => m[1]!);
  return specifiers.map((s) => relative(ROOT, resolve(file, "..", s)).split("/")[0]!);
}

describe("dependencies run one way", () => {
  for (const [folder, allowed] of Object.entries(ALLOWED)) {
    it(`${folder}/ imports only ${allowed.length ? allowed.map((a) => `${a}/`).join(", ") : "itself"}`, () => {
      const stray = sources(join(ROOT, folder)).flatMap((file) =>
        importedFolders(file)
          .filter((to) => to !== folder && !allowed.includes(to))
          .map((to) => `${relative(ROOT, file)} → ${to}/`),
      );
      expect(stray).toEqual([]);
    });
  }
});
