/**
 * One upload with progress. `fetch` reports no upload progress, and a streamed fetch body would need HTTP/2 and
 * would lose the Content-Length the edge requires before it reads a byte, so this is XMLHttpRequest, sending the
 * Blob (the browser sets its length) with the Bearer token as ChatApi does. Failures are thrown as ChatApi's are:
 * an ApiError with the protocol's error value, or a TypeError when the edge could not be reached.
 */
import { ApiError } from "../../client/api.js";
import type { UploadResult } from "../../protocol/attachments.js";
import type { ChatError } from "../../protocol/errors.js";

export interface UploadRequest {
  done: Promise<UploadResult>;
  abort(): void;
}

export function uploadRequest(
  url: string,
  token: string,
  conversationId: string,
  file: Blob,
  name: string,
  onProgress: (sent: number) => void,
): UploadRequest {
  const xhr = new XMLHttpRequest();
  const done = new Promise<UploadResult>((resolve, reject) => {
    xhr.open(
      "POST",
      `${url}/v1/conversations/${encodeURIComponent(conversationId)}/attachments?${new URLSearchParams({ name })}`,
    );
    xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.setRequestHeader("Content-Type", file.type);
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () => {
      const body = parsed(xhr.responseText);
      if (xhr.status === 201) return resolve(body as UploadResult);
      const error = (body as { error?: ChatError } | null)?.error;
      reject(new ApiError(xhr.status, error ?? { code: "internal", message: `HTTP ${xhr.status}` }));
    };
    xhr.onerror = () => reject(new TypeError("upload failed"));
    xhr.onabort = () => reject(new DOMException("upload cancelled", "AbortError"));
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
