"use client";
// A modal that asks before something that cannot be undone (delete, refresh, clear a history):
// its title and what happens, the caller's fields, why the last try failed, and the dangerous
// button beside Cancel (which has the focus, so Enter does not confirm by accident).
// The caller opens it (`dialogRef.current?.showModal()`) from its own button.
import type { ReactNode, RefObject } from "react";

export function ConfirmDialog({
  dialogRef,
  id,
  wide = false,
  title,
  text,
  children,
  error,
  confirmLabel,
  confirmDisabled,
  onConfirm,
}: {
  dialogRef: RefObject<HTMLDialogElement | null>;
  /** Prefix of the title's and the text's ids. */
  id: string;
  wide?: boolean;
  title: ReactNode;
  /** What happens, the dialog's description. */
  text: ReactNode;
  /** Fields between the text and the buttons. */
  children?: ReactNode;
  /** Why the last confirm failed. */
  error: { message: string } | null;
  confirmLabel: ReactNode;
  confirmDisabled: boolean;
  /** Given what closes the dialog, for when the confirmed change is done. */
  onConfirm: (close: () => void) => void;
}) {
  const close = () => dialogRef.current?.close();
  return (
    <dialog
      ref={dialogRef}
      className={wide ? "dialog dialog-wide" : "dialog"}
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-text`}
    >
      <h2 id={`${id}-title`}>{title}</h2>
      <p id={`${id}-text`}>{text}</p>
      {children}
      {error ? (
        <p className="notice notice-error dialog-notice" role="alert">
          {error.message}
        </p>
      ) : null}
      <div className="dialog-actions">
        <button type="button" className="button button-danger" disabled={confirmDisabled} onClick={() => onConfirm(close)}>
          {confirmLabel}
        </button>
        <button type="button" className="button" autoFocus onClick={close}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
