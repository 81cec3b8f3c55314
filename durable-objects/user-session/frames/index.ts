/**
 * Where each client frame is handled: one module per frame type, each taking the frame and the part of its session it
 * uses (host.ts). The frame was validated (protocol/frames.ts) and admitted (socket-limits.ts) before it gets here.
 */
import { PONG_FRAME, type ChatError, type ClientFrame } from "../../../protocol/index.js";
import type { SessionHost } from "../host.js";
import { holdBack } from "../send-order.js";
import { errorFrame } from "../server-frames.js";
import { sendTo } from "../sockets.js";
import { onAlive } from "./alive.js";
import { onFetch } from "./fetch.js";
import { onFocus } from "./focus.js";
import { onHide } from "./hide.js";
import { onRead } from "./read.js";
import { onSend } from "./send.js";
import { onSync } from "./sync.js";
import { onTyping } from "./typing.js";

export function handleFrame(host: SessionHost, ws: WebSocket, frame: ClientFrame): void | Promise<void> {
  switch (frame.type) {
    case "send":
    case "edit":
    case "delete":
    case "react":
      return onSend(host, ws, frame);
    case "hide":
      return onHide(host, ws, frame);
    case "sync":
      return onSync(host, ws, frame);
    case "fetch":
      return onFetch(host, ws, frame);
    case "read":
      return onRead(host, ws, frame);
    case "focus":
      return onFocus(host, ws, frame);
    case "typing":
      return onTyping(host, ws, frame);
    case "alive":
      return onAlive(host);
    case "ping":
      return sendTo(ws, PONG_FRAME);
  }
}

/** A frame over the socket's budget (socket-limits.ts); a refused send holds back later ones, like any retryable refusal. */
export function refuseFrame(ws: WebSocket, frame: ClientFrame, error: ChatError): void {
  const clientMsgId = "clientMsgId" in frame ? frame.clientMsgId : undefined;
  if (clientMsgId !== undefined) holdBack(ws, clientMsgId, error);
  sendTo(ws, errorFrame(error, clientMsgId));
}
