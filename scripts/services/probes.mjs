// Readiness probes that speak each server's own wire protocol over plain TCP, so "up"
// means "a client would be served", not merely "something listens on the port".
// Each probe resolves with a short human detail string, or throws.
import net from "node:net";
import { HOST } from "./common.mjs";

/**
 * Open a TCP connection, hand `fn` a send() and a recv(frameLen) that resolves with the
 * next complete frame (frameLen(buffer) returns the first frame's total size, or 0 when
 * not enough bytes arrived to know), and always close the socket afterwards.
 */
async function withSocket(port, timeoutMs, fn, host = HOST) {
  const sock = net.connect({ host, port });
  let buf = Buffer.alloc(0);
  let failure = null;
  let wake = () => {};
  const timer = setTimeout(() => sock.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  sock.on("data", (d) => {
    buf = Buffer.concat([buf, d]);
    wake();
  });
  sock.on("error", (e) => {
    failure = e;
    wake();
  });
  sock.on("close", () => {
    failure ??= new Error("connection closed by server");
    wake();
  });
  const recv = async (frameLen) => {
    for (;;) {
      const n = buf.length ? frameLen(buf) : 0;
      if (n && buf.length >= n) {
        const frame = buf.subarray(0, n);
        buf = buf.subarray(n);
        return frame;
      }
      if (failure) throw failure;
      await new Promise((r) => (wake = r));
    }
  };
  try {
    await new Promise((resolve, reject) => {
      sock.once("connect", resolve);
      sock.once("error", reject);
    });
    return await fn({ send: (b) => sock.write(b), recv });
  } finally {
    clearTimeout(timer);
    sock.destroy();
  }
}

/** Is anything accepting TCP connections on the port? (to tell "taken by a stranger" from "free") */
export function portOpen(port, timeoutMs = 1000, host = HOST) {
  return withSocket(port, timeoutMs, async () => true, host).catch(() => false);
}

// ---------------------------------------------------------------- Redis (RESP)

export function probeRedis(port = 6379, timeoutMs = 3000) {
  return withSocket(port, timeoutMs, async ({ send, recv }) => {
    send("PING\r\n");
    const line = (
      await recv((b) => {
        const i = b.indexOf("\r\n");
        return i < 0 ? 0 : i + 2;
      })
    )
      .toString()
      .trim();
    if (line !== "+PONG") throw new Error(`unexpected reply to PING: ${line}`);
    return "PING -> PONG";
  });
}

// ---------------------------------------------------------------- Kafka

const kafkaFrameLen = (b) => (b.length >= 4 ? 4 + b.readInt32BE(0) : 0);

/** Request header v1 (api key, version, correlation id, client id) + body, size-prefixed. */
function kafkaRequest(apiKey, apiVersion, correlationId, body = Buffer.alloc(0)) {
  const clientId = Buffer.from("services-probe");
  const head = Buffer.alloc(4 + 2 + 2 + 4 + 2);
  head.writeInt32BE(head.length - 4 + clientId.length + body.length, 0);
  head.writeInt16BE(apiKey, 4);
  head.writeInt16BE(apiVersion, 6);
  head.writeInt32BE(correlationId, 8);
  head.writeInt16BE(clientId.length, 12);
  return Buffer.concat([head, clientId, body]);
}

/** Reads a Metadata v1 answer: brokers, the controller id, and each topic's partitions with their replicas. */
function parseMetadata(r) {
  let o = 8;
  const int16 = () => ((o += 2), r.readInt16BE(o - 2));
  const int32 = () => ((o += 4), r.readInt32BE(o - 4));
  const str = () => {
    const n = int16();
    o += Math.max(n, 0);
    return n < 0 ? null : r.toString("utf8", o - n, o);
  };
  const ints = () => Array.from({ length: int32() }, int32);
  const brokers = Array.from({ length: int32() }, () => {
    const id = int32();
    const host = str();
    const port = int32();
    str(); // rack
    return { id, host, port };
  });
  const controller = int32();
  const topics = Array.from({ length: int32() }, () => {
    const error = int16();
    const name = str();
    o += 1; // is_internal
    const partitions = Array.from({ length: int32() }, () => {
      const partitionError = int16();
      const partition = int32();
      const leader = int32();
      return { error: partitionError, partition, leader, replicas: ints(), isr: ints() };
    });
    return { error, name, partitions };
  });
  return { brokers, controller, topics };
}

/**
 * ApiVersions v0 (every broker answers it, even before SASL), then Metadata v1 for all topics, as the broker at
 * host:port sees the cluster: { apis, brokers: [{id, host, port}], controller, topics: [{name, partitions: [{leader,
 * replicas, isr}]}] }.
 */
export function kafkaMetadata(port = 9092, timeoutMs = 5000, host = HOST) {
  return withSocket(
    port,
    timeoutMs,
    async ({ send, recv }) => {
      send(kafkaRequest(18, 0, 1));
      let r = await recv(kafkaFrameLen); // size, correlation id, error code, [api key, min, max]
      if (r.readInt32BE(4) !== 1) throw new Error("ApiVersions: wrong correlation id");
      const err = r.readInt16BE(8);
      if (err !== 0) throw new Error(`ApiVersions: error code ${err}`);
      const apis = r.readInt32BE(10);

      const allTopics = Buffer.alloc(4);
      allTopics.writeInt32BE(-1); // null topic array = all topics
      send(kafkaRequest(3, 1, 2, allTopics));
      r = await recv(kafkaFrameLen);
      if (r.readInt32BE(4) !== 2) throw new Error("Metadata: wrong correlation id");
      return { apis, ...parseMetadata(r) };
    },
    host,
  );
}

/**
 * A KRaft broker only serves clients once it is registered and unfenced, and the metadata answer must list at least
 * one broker and a controller.
 */
export async function probeKafka(port = 9092, timeoutMs = 5000, host = HOST) {
  const { apis, brokers, controller } = await kafkaMetadata(port, timeoutMs, host);
  if (brokers.length < 1 || controller < 0)
    throw new Error(`Metadata: ${brokers.length} brokers, controller ${controller}`);
  return `ApiVersions ok (${apis} APIs), ${brokers.length} broker${brokers.length > 1 ? "s" : ""}, controller ${controller}`;
}

// ---------------------------------------------------------------- Cassandra (CQL native protocol v4)

const cqlFrameLen = (b) => (b.length >= 9 ? 9 + b.readInt32BE(5) : 0);
const OP = { ERROR: 0x00, STARTUP: 0x01, READY: 0x02, AUTHENTICATE: 0x03, QUERY: 0x07, RESULT: 0x08 };

function cqlFrame(stream, opcode, body) {
  const head = Buffer.alloc(9);
  head.writeUInt8(0x04, 0); // v4, request direction
  head.writeUInt8(0, 1); // flags: no compression, no tracing
  head.writeInt16BE(stream, 2);
  head.writeUInt8(opcode, 4);
  head.writeInt32BE(body.length, 5);
  return Buffer.concat([head, body]);
}

const cqlString = (s) => {
  const b = Buffer.from(s);
  const l = Buffer.alloc(2);
  l.writeUInt16BE(b.length);
  return Buffer.concat([l, b]);
};
const cqlLongString = (s) => {
  const b = Buffer.from(s);
  const l = Buffer.alloc(4);
  l.writeInt32BE(b.length);
  return Buffer.concat([l, b]);
};

function cqlError(frame) {
  const body = frame.subarray(9);
  return new Error(`CQL error 0x${body.readInt32BE(0).toString(16)}: ${body.subarray(6, 6 + body.readUInt16BE(4))}`);
}

/** The single text cell of a one-row, one-column Rows result (enough for system.local). */
function firstTextCell(body) {
  if (body.readInt32BE(0) !== 2) return null; // result kind 2 = Rows
  let o = 4;
  const flags = body.readInt32BE(o);
  const columns = body.readInt32BE(o + 4);
  o += 8;
  if (flags & 0x0002) o += 4 + Math.max(body.readInt32BE(o), 0); // paging state
  const str = () => {
    const n = body.readUInt16BE(o);
    const s = body.toString("utf8", o + 2, o + 2 + n);
    o += 2 + n;
    return s;
  };
  if (!(flags & 0x0004)) {
    // metadata present
    if (flags & 0x0001) {
      str();
      str();
    } // global keyspace and table
    for (let i = 0; i < columns; i++) {
      if (!(flags & 0x0001)) {
        str();
        str();
      }
      str(); // column name
      if (body.readUInt16BE(o) !== 0x000d) return null; // not varchar: give up, it is only a detail
      o += 2;
    }
  }
  if (body.readInt32BE(o) < 1) return null;
  const len = body.readInt32BE(o + 4);
  return len < 0 ? null : body.toString("utf8", o + 8, o + 8 + len);
}

/** STARTUP (CQL_VERSION 3.0.0) -> READY, then SELECT release_version FROM system.local. */
export function probeCassandra(port = 9042, timeoutMs = 5000, host = HOST) {
  return withSocket(
    port,
    timeoutMs,
    async ({ send, recv }) => {
      const opts = Buffer.concat([Buffer.from([0, 1]), cqlString("CQL_VERSION"), cqlString("3.0.0")]);
      send(cqlFrame(1, OP.STARTUP, opts));
      let r = await recv(cqlFrameLen);
      if (r[4] === OP.ERROR) throw cqlError(r);
      if (r[4] === OP.AUTHENTICATE) return "STARTUP -> AUTHENTICATE (server requires a password)";
      if (r[4] !== OP.READY) throw new Error(`STARTUP answered with opcode 0x${r[4].toString(16)}`);

      const consistencyOneNoFlags = Buffer.from([0x00, 0x01, 0x00]);
      send(
        cqlFrame(
          2,
          OP.QUERY,
          Buffer.concat([cqlLongString("SELECT release_version FROM system.local"), consistencyOneNoFlags]),
        ),
      );
      r = await recv(cqlFrameLen);
      if (r[4] === OP.ERROR) throw cqlError(r);
      if (r[4] !== OP.RESULT) throw new Error(`QUERY answered with opcode 0x${r[4].toString(16)}`);
      const version = firstTextCell(r.subarray(9));
      return `CQL v4 READY, release ${version ?? "?"}`;
    },
    host,
  );
}
