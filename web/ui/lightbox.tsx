/**
 * A photo at full size over the page. A modal <dialog> keeps focus inside and closes on Escape by itself; a click
 * on the dark backdrop (the dialog element itself, outside the figure) closes it too.
 */
import { useEffect, useRef } from "preact/hooks";

interface Props {
  url: string;
  name: string;
  onClose(): void;
}

export function Lightbox({ url, name, onClose }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const el = dialog.current!;
    el.showModal();
    return () => el.close();
  }, []);
  return (
    <dialog
      ref={dialog}
      class="lightbox"
      aria-label={name}
      onClose={onClose}
      onClick={(event) => event.target === dialog.current && onClose()}
    >
      <figure>
        <img src={url} alt={name} />
        <figcaption>
          <span class="file-name">{name}</span>
          <a href={url} download={name}>
            Download
          </a>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </figcaption>
      </figure>
    </dialog>
  );
}
