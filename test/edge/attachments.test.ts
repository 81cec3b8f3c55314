import { describe, expect, it } from "vitest";
import { ChatApi } from "../../client/api.js";
import type { Attachment } from "../../protocol/index.js";
import { HIGH_LIMITS, useEdge, type TestUser } from "../support/fixtures.js";

const env = useEdge({
  bindings: {
    ...HIGH_LIMITS,
    ATTACHMENT_MAX_BYTES: "4096",
    ATTACHMENT_QUOTA_UPLOADS_PER_DAY: "6",
    ATTACHMENT_QUOTA_BYTES_PER_DAY: "3000",
  },
});

/** A tiny PNG's signature and some bytes: the edge looks at the first ones only. */
function png(size = 300): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  for (let i = 8; i < size; i++) bytes[i] = i % 251;
  return bytes;
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Buffer.from(digest).toString("hex");
}

function upload(
  user: TestUser,
  conversationId: string,
  bytes: Uint8Array<ArrayBuffer>,
  { name = "photo.png", type = "image/png", headers = {} as Record<string, string> } = {},
): Promise<Response> {
  return fetch(`${env.edge.url}/v1/conversations/${conversationId}/attachments?name=${encodeURIComponent(name)}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${user.token}`, "Content-Type": type, ...headers },
    body: bytes,
  });
}

/** `POST …/messages` with attachments. */
function sendWith(user: TestUser, conversationId: string, clientMsgId: string, body: string, refs: unknown[]) {
  return user.call("POST", `/v1/conversations/${conversationId}/messages`, { clientMsgId, body, attachments: refs });
}

/** The status and the protocol's error code of a refusal. */
async function refusal(res: Response): Promise<[number, string]> {
  return [res.status, ((await res.json()) as { error: { code: string } }).error.code];
}

describe("attachment uploads: members stream files into R2, checked before anything is stored", () => {
  it("stores a member's PNG under its conversation and answers its id, size and SHA-256", async () => {
    const [alice, bob] = await env.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const bytes = png();
    const res = await upload(alice, id, bytes, { name: "holiday photo.png" });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ name: "holiday photo.png", type: "image/png", size: bytes.length });
    expect(body.sha256).toBe(await sha256(bytes));
    expect(await env.edge.attachmentKeys(`${id}/`)).toEqual([`${id}/${body.id as string}`]);
  });

  it("refuses a non-member (403) and stores nothing", async () => {
    const [alice, bob, eve] = await env.users("alice", "bob", "eve");
    const id = await alice.direct(bob.userId);
    expect(await refusal(await upload(eve, id, png()))).toEqual([403, "forbidden"]);
    expect(await env.edge.attachmentKeys(`${id}/`)).toEqual([]);
  });

  it("refuses a file declared over ATTACHMENT_MAX_BYTES (413) and stores nothing", async () => {
    const [alice, bob] = await env.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    expect(await refusal(await upload(alice, id, png(5000)))).toEqual([413, "too_large"]);
    expect(await env.edge.attachmentKeys(`${id}/`)).toEqual([]);
  });

  it("refuses a type off the allow-list, a file whose first bytes are not its type's, or a bad name (400)", async () => {
    const [alice, bob] = await env.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const html = new TextEncoder().encode("<html><script>alert(1)</script></html>");
    const refusals = [
      await upload(alice, id, html, { type: "text/html", name: "page.html" }),
      await upload(alice, id, html, { type: "image/png" }),
      await upload(alice, id, png(), { type: "image/jpeg", name: "x.jpg" }),
      await upload(alice, id, png(), { name: "../etc/passwd" }),
    ];
    for (const res of refusals) expect(await refusal(res)).toEqual([400, "bad_request"]);
    expect(await env.edge.attachmentKeys(`${id}/`)).toEqual([]);
  });

  it("refuses uploads past the daily bytes (429), and a file larger than the whole quota (413), storing nothing", async () => {
    const [alice, bob] = await env.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    expect((await upload(alice, id, png(2000))).status).toBe(201);
    expect(await refusal(await upload(alice, id, png(1500)))).toEqual([429, "rate_limited"]);
    expect(await refusal(await upload(alice, id, png(3500)))).toEqual([413, "too_large"]);
    expect(await env.edge.attachmentKeys(`${id}/`)).toHaveLength(1);
  });

  it("refuses a body without Content-Length (chunked) with 400, storing nothing", async () => {
    const [alice, bob] = await env.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(png());
        controller.close();
      },
    });
    const res = await fetch(`${env.edge.url}/v1/conversations/${id}/attachments?name=a.png`, {
      method: "POST",
      headers: { Authorization: `Bearer ${alice.token}`, "Content-Type": "image/png" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(await refusal(res)).toEqual([400, "bad_request"]);
    expect(await env.edge.attachmentKeys(`${id}/`)).toEqual([]);
  });

  it("refuses uploads past the daily count (429 with Retry-After) and stores nothing more", async () => {
    const [alice, bob] = await env.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    for (let i = 0; i < 6; i++) expect((await upload(alice, id, png())).status).toBe(201);
    const res = await upload(alice, id, png());
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
    const body = (await res.json()) as { error: { code: string; retryAfterMs: number } };
    expect(body.error.code).toBe("rate_limited");
    expect(body.error.retryAfterMs).toBeGreaterThan(0);
    expect(await env.edge.attachmentKeys(`${id}/`)).toHaveLength(6);
  });
});

/** Uploads a PNG and answers the reference a message carries (with the client's dimensions and preview). */
async function uploaded(user: TestUser, conversationId: string): Promise<Record<string, unknown>> {
  const res = await upload(user, conversationId, png());
  expect(res.status).toBe(201);
  return { ...((await res.json()) as Record<string, unknown>), width: 16, height: 9, preview: "LEHV6nWB2yk8" };
}

describe("messages with attachments: references checked in R2, stored and served as the edge has them", () => {
  it("a message with an attachment and no text reaches the other member's device, the ack and history", async () => {
    const [alice, bob] = await env.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const ref = await uploaded(alice, id);
    const [aliceWs, bobWs] = await Promise.all([alice.connect(), bob.connect()]);
    aliceWs.send({ type: "send", clientMsgId: "m1", conversationId: id, body: "", attachments: [{ ...ref, size: 1 }] });
    const ack = await aliceWs.waitFor((f) => f.clientMsgId === "m1");
    expect(ack.type).toBe("ack");
    expect(ack.attachments).toEqual([ref]);
    const pushed = await bobWs.waitFor((f) => f.type === "message" && f.conversationId === id);
    expect(pushed).toMatchObject({ body: "", attachments: [ref] });
    const page = await bob.history(id);
    expect(page.body.messages[0]).toMatchObject({ body: "", attachments: [ref] });
  });

  it("refuses a reference to another conversation's upload or another user's, and stores no message", async () => {
    const [alice, bob, carol] = await env.users("alice", "bob", "carol");
    const id = await alice.direct(bob.userId);
    const other = await alice.direct(carol.userId);
    const elsewhere = await uploaded(alice, other);
    const bobs = await uploaded(bob, id);
    for (const [clientMsgId, ref] of [
      ["x1", elsewhere],
      ["x2", bobs],
    ] as const) {
      const res = await sendWith(alice, id, clientMsgId, "look", [ref]);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
    expect((await alice.history(id)).body.messages).toEqual([]);
  });

  it("the conversation itself refuses a reference to an upload the sender did not make, storing nothing", async () => {
    const [alice, bob] = await env.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const bobs = await uploaded(bob, id);
    const conversation = await env.edge.conversation(id);
    const outcome = await conversation.send(alice.userId, [
      { clientMsgId: "y1", body: "", attachments: [bobs as unknown as Attachment] },
    ]);
    expect(outcome.ok && outcome.value.results[0]).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect((await alice.history(id)).body.messages).toEqual([]);
  });

  it("refuses an empty message without attachments", async () => {
    const [alice, bob] = await env.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const res = await alice.call("POST", `/v1/conversations/${id}/messages`, { clientMsgId: "e1", body: "" });
    expect(res.status).toBe(400);
    expect((await alice.history(id)).body.messages).toEqual([]);
  });
});

describe("attachment downloads: members only, with the headers that keep a file a file", () => {
  function download(user: TestUser, conversationId: string, id: string, headers: Record<string, string> = {}) {
    return fetch(`${env.edge.url}/v1/conversations/${conversationId}/attachments/${id}`, {
      headers: { Authorization: `Bearer ${user.token}`, ...headers },
    });
  }

  it("the other member downloads the same bytes, inline, with nosniff, a sandbox and long private caching", async () => {
    const [alice, bob] = await env.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const bytes = png(1000);
    const { id: attachment } = (await (await upload(alice, id, bytes, { name: "été 1.png" })).json()) as {
      id: string;
    };
    const res = await download(bob, id, attachment);
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
    expect(res.headers.get("Content-Type")).toBe("image/png");
    expect(res.headers.get("Content-Length")).toBe("1000");
    expect(res.headers.get("Content-Disposition")).toBe(
      `inline; filename="_t_ 1.png"; filename*=UTF-8''%C3%A9t%C3%A9%201.png`,
    );
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(res.headers.get("Content-Security-Policy")).toBe("sandbox");
    expect(res.headers.get("Cache-Control")).toBe("private, max-age=31536000, immutable");
    expect(res.headers.get("Accept-Ranges")).toBe("bytes");

    const etag = res.headers.get("ETag")!;
    expect(etag).toBeTruthy();
    const cached = await download(bob, id, attachment, { "If-None-Match": etag });
    expect(cached.status).toBe(304);
    expect(await cached.text()).toBe("");
  });

  it("answers one byte range with 206 and Content-Range, several with the whole file, and 416 past the end", async () => {
    const [alice, bob] = await env.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const bytes = png(1000);
    const { id: attachment } = (await (await upload(alice, id, bytes)).json()) as { id: string };
    const part = await download(bob, id, attachment, { Range: "bytes=100-199" });
    expect(part.status).toBe(206);
    expect(part.headers.get("Content-Range")).toBe("bytes 100-199/1000");
    expect(part.headers.get("Content-Length")).toBe("100");
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.slice(100, 200));
    const tail = await download(bob, id, attachment, { Range: "bytes=-10" });
    expect(tail.status).toBe(206);
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(bytes.slice(990));
    const several = await download(bob, id, attachment, { Range: "bytes=0-1,5-6" });
    expect(several.status).toBe(200);
    expect((await several.arrayBuffer()).byteLength).toBe(1000);
    const past = await download(bob, id, attachment, { Range: "bytes=5000-" });
    expect(past.status).toBe(416);
    expect(past.headers.get("Content-Range")).toBe("bytes */1000");
  });

  it("refuses a non-member (403) and answers 404 for an unknown attachment", async () => {
    const [alice, bob, eve] = await env.users("alice", "bob", "eve");
    const id = await alice.direct(bob.userId);
    const { id: attachment } = (await (await upload(alice, id, png())).json()) as { id: string };
    expect(await refusal(await download(eve, id, attachment))).toEqual([403, "forbidden"]);
    expect(await refusal(await download(bob, id, crypto.randomUUID()))).toEqual([404, "not_found"]);
  });

  it("serves a file that is not an image as a download", async () => {
    const [alice, bob] = await env.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const text = new TextEncoder().encode("notes");
    const res = await upload(alice, id, text, { name: "notes.txt", type: "text/plain" });
    const { id: attachment } = (await res.json()) as { id: string };
    const got = await download(bob, id, attachment);
    expect(got.headers.get("Content-Disposition")).toMatch(/^attachment; filename="notes.txt"/);
    expect(await got.text()).toBe("notes");
  });
});

describe("attachments go with their message", () => {
  it("a delete for everyone removes the message's attachments from R2", async () => {
    const [alice, bob] = await env.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const ref = await uploaded(alice, id);
    const sent = await sendWith(alice, id, "d1", "", [ref]);
    expect(sent.status).toBe(201);
    expect(await env.edge.attachmentKeys(`${id}/`)).toHaveLength(1);
    const deleted = await alice.act(id, { kind: "delete", clientMsgId: "d2", seq: sent.body.seq });
    expect(deleted.status).toBe(201);
    expect(await env.edge.attachmentKeys(`${id}/`)).toEqual([]);
    const page = await bob.history(id);
    expect(page.body.messages[0]).toMatchObject({ deleted: true, body: "" });
    expect(page.body.messages[0].attachments).toBeUndefined();
  });
});

describe("uploads no message referenced", () => {
  // Long enough for the steps before the first check on a loaded machine: the sweep must not come before it.
  const orphans = useEdge({ bindings: { ...HIGH_LIMITS, ATTACHMENT_ORPHAN_MS: "6000" } });

  it("are deleted by the uploader's session after ATTACHMENT_ORPHAN_MS (a refused message references none); referenced ones stay", async () => {
    const [alice, bob] = await orphans.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const post = (bytes: Uint8Array<ArrayBuffer>) =>
      fetch(`${orphans.edge.url}/v1/conversations/${id}/attachments?name=a.png`, {
        method: "POST",
        headers: { Authorization: `Bearer ${alice.token}`, "Content-Type": "image/png" },
        body: bytes,
      }).then((r) => r.json() as Promise<Record<string, unknown>>);
    const kept = await post(png());
    const orphan = await post(png());
    const sent = await sendWith(alice, id, "k1", "kept", [kept]);
    expect(sent.status).toBe(201);
    const refused = await alice.call("POST", `/v1/conversations/${id}/messages`, {
      clientMsgId: "k2",
      body: "a reply to nothing",
      replyTo: 99,
      attachments: [orphan],
    });
    expect(refused.status).toBe(404);
    expect(await orphans.edge.attachmentKeys(`${id}/`)).toHaveLength(2);
    await expect
      .poll(() => orphans.edge.attachmentKeys(`${id}/`), { timeout: 20_000, interval: 250 })
      .toEqual([`${id}/${kept.id as string}`]);
    expect(orphan.id).not.toBe(kept.id);
  });
});

describe("the client's API", () => {
  it("uploads a file, sends it in a message and downloads it", async () => {
    const [alice, bob] = await env.users("alice", "bob");
    const id = await alice.direct(bob.userId);
    const bytes = png(500);
    const api = new ChatApi(env.edge.url, alice.token);
    const ref = await api.uploadAttachment(id, new Blob([bytes], { type: "image/png" }), "c.png");
    expect(ref).toMatchObject({ name: "c.png", type: "image/png", size: 500, sha256: await sha256(bytes) });
    const sent = await api.send(id, "c1", "", [ref]);
    expect(sent.attachments).toEqual([ref]);
    const file = await new ChatApi(env.edge.url, bob.token).downloadAttachment(id, ref.id);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(bytes);
  });
});
