/** Files a person attaches in the browser tests: a real PNG the browser decodes, and PDF-looking bytes. */
import { crc32, deflateSync } from "node:zlib";
import type { Locator } from "playwright-core";

/** An RGB PNG of `width` × `height` with a gradient (so it is not all one colour). */
export function png(width: number, height: number): Buffer {
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) rows.set([(x * 255) / width, (y * 255) / height, 128], row + 1 + x * 3);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits per sample, truecolour, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** `size` bytes that start as a PDF does (the edge looks at the first ones), the rest varied. */
export function pdf(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  bytes.write("%PDF-1.7\n");
  for (let i = 9; i < size; i++) bytes[i] = (i * 31) % 251;
  return bytes;
}

export interface DroppedFile {
  name: string;
  type: string;
  bytes: Buffer;
}

/** Drags files over `target` and drops them there, as a person dragging them from their desktop would. */
export async function dropFiles(target: Locator, files: DroppedFile[]): Promise<void> {
  const dataTransfer = await target.page().evaluateHandle(
    (list) => {
      const transfer = new DataTransfer();
      for (const f of list) {
        const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
        transfer.items.add(new File([bytes], f.name, { type: f.type }));
      }
      return transfer;
    },
    files.map((f) => ({ name: f.name, type: f.type, base64: f.bytes.toString("base64") })),
  );
  await target.dispatchEvent("dragenter", { dataTransfer });
  await target.page().locator(".drop-hint").waitFor();
  await target.dispatchEvent("dragover", { dataTransfer });
  await target.dispatchEvent("drop", { dataTransfer });
  await dataTransfer.dispose();
}
