/**
 * What a photo's reference carries besides its bytes, made in the page before it is sent: its size in pixels (the
 * other side reserves the space before the photo arrives, so the list does not jump) and a tiny JPEG thumbnail as a
 * data URL that is shown, blurred, while the photo downloads. The protocol allows MAX_ATTACHMENT_PREVIEW characters
 * of base64, so the thumbnail shrinks until it fits.
 */
import { MAX_ATTACHMENT_PREVIEW } from "../../protocol/limits.js";

export interface ImagePreview {
  width: number;
  height: number;
  preview?: string;
}

/** Longest side of the thumbnail, then smaller ones should it not fit. */
const SIDES = [32, 24, 16, 8];

/** null when the browser cannot decode the file (the edge still takes it if its first bytes are right). */
export async function imagePreview(file: Blob): Promise<ImagePreview | null> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return null;
  }
  try {
    const { width, height } = bitmap;
    for (const side of SIDES) {
      const preview = thumbnail(bitmap, side);
      if (preview && preview.length <= MAX_ATTACHMENT_PREVIEW) return { width, height, preview };
    }
    return { width, height };
  } finally {
    bitmap.close();
  }
}

function thumbnail(bitmap: ImageBitmap, side: number): string {
  const scale = side / Math.max(bitmap.width, bitmap.height);
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  const context = canvas.getContext("2d");
  if (!context) return "";
  // JPEG has no transparency: a transparent PNG would turn black.
  context.fillStyle = "#fff";
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL("image/jpeg", 0.6);
}
