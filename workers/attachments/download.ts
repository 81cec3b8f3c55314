/**
 * What a download answers besides the bytes: the headers that keep a stored file from being run as a page (its
 * declared type only, `nosniff`, a sandbox CSP, images inline and everything else as a download), caching (the
 * bytes under an id never change), and one byte range (RFC 9110 §14).
 */
import { isImage } from "../../protocol/index.js";

/** RFC 6266: a quoted ASCII fallback for old clients, and the exact name as UTF-8 in `filename*`. */
export function contentDisposition(type: string, name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${isImage(type) ? "inline" : "attachment"}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

export function downloadHeaders(object: R2Object, name: string): Headers {
  const type = object.httpMetadata?.contentType ?? "application/octet-stream";
  return new Headers({
    "Content-Type": type,
    "Content-Disposition": contentDisposition(type, name),
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox",
    // Private: only members may read it, so no shared cache may keep it.
    "Cache-Control": "private, max-age=31536000, immutable",
    ETag: object.httpEtag,
    "Accept-Ranges": "bytes",
  });
}

/** Whether `If-None-Match` names the object's current ETag (or `*`). */
export function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = etag.replace(/^W\//, "");
  return ifNoneMatch.split(",").some((tag) => {
    const t = tag.trim();
    return t === "*" || t.replace(/^W\//, "") === bare;
  });
}

export type ByteRange = { offset: number; length: number };

/**
 * A `Range` header of one range over a file of `size` bytes: the range, null when there is none (or it is not one
 * `bytes` range), or "unsatisfiable" (416).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | null | "unsatisfiable" {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Several ranges, or a header that is not one range: the whole file (RFC 9110 lets a server ignore Range).
  if (!match) return null;
  const [, first, last] = match;
  if (first === "" && last === "") return "unsatisfiable";
  if (first === "") {
    const suffix = Math.min(Number(last), size);
    return suffix === 0 ? "unsatisfiable" : { offset: size - suffix, length: suffix };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { offset: start, length: end - start + 1 };
}
