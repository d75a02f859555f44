"use client";
// Shows the flash message left by the action that led here, once.
import { useEffect, useState } from "react";
import { clearFlashMessage, peekFlashMessage } from "./flash-message";

export function FlashNotice() {
  const [message, setMessage] = useState(peekFlashMessage);
  useEffect(() => clearFlashMessage(), []);
  if (!message) return null;
  return (
    <div className="notice notice-info flash-notice" role="status">
      <p>{message}</p>
      <button type="button" className="button button-quiet button-small" onClick={() => setMessage(null)}>
        Dismiss
      </button>
    </div>
  );
}
