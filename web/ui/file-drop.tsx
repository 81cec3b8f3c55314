/**
 * Files dragged onto the open chat are attached to its next message. The chat shows where to drop them while files
 * are dragged over it. Enter and leave events come for every child the pointer crosses, so a count of them, not the
 * last one, says whether the drag is still over the chat.
 */
import { useEffect, useRef, useState } from "preact/hooks";

type Handler = (event: DragEvent) => void;
interface DragHandlers {
  onDragEnter: Handler;
  onDragOver: Handler;
  onDragLeave: Handler;
  onDrop: Handler;
}

export function useFileDrop(onFiles: (files: FileList) => void): { dragging: boolean; handlers: DragHandlers } {
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);
  const carriesFiles = (event: DragEvent) => event.dataTransfer?.types.includes("Files") ?? false;
  const handlers: DragHandlers = {
    onDragEnter: (event) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth.current++;
      setDragging(true);
    },
    // Without this the browser would open the file in place of the page when it is dropped.
    onDragOver: (event) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      event.dataTransfer!.dropEffect = "copy";
    },
    onDragLeave: (event) => {
      if (!carriesFiles(event)) return;
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setDragging(false);
    },
    onDrop: (event) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth.current = 0;
      setDragging(false);
      if (event.dataTransfer!.files.length > 0) onFiles(event.dataTransfer!.files);
    },
  };
  return { dragging, handlers };
}

/**
 * A file dropped anywhere else would be opened by the browser in place of the page (the chat lost): such drops do
 * nothing, and the pointer says so while dragging.
 */
export function useNoStrayDrops(): void {
  useEffect(() => {
    const refuse = (event: DragEvent) => {
      if (event.defaultPrevented || !event.dataTransfer?.types.includes("Files")) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "none";
    };
    window.addEventListener("dragover", refuse);
    window.addEventListener("drop", refuse);
    return () => {
      window.removeEventListener("dragover", refuse);
      window.removeEventListener("drop", refuse);
    };
  }, []);
}

export function DropHint() {
  return (
    <div class="drop-hint" aria-hidden="true">
      Drop files to attach them
    </div>
  );
}
