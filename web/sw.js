// Service worker for Web Push. Origin's push sender posts JSON {conversationId, senderId, preview, count, seq}
// (origin/push/notify.ts); one notification per conversation (tag) so a burst does not stack up.
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { preview: event.data ? event.data.text() : "" };
  }
  const more = data.count > 1 ? ` (+${data.count - 1} more)` : "";
  event.waitUntil(
    self.registration.showNotification(data.senderId ? `Message from ${data.senderId}` : "New message", {
      body: `${data.preview ?? ""}${more}`,
      tag: data.conversationId ?? "chat",
      data: { conversationId: data.conversationId },
    }),
  );
});

// A click brings an open chat window forward, or opens one.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((w) => "focus" in w);
      return open ? open.focus() : self.clients.openWindow("/");
    }),
  );
});
