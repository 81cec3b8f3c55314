/**
 * The edge's configuration: read from the environment here, by `loadConfig` (the Worker per request, each object when
 * it starts), and passed down; nothing else reads a variable. Every variable is documented in README.md
 * ("Configuration"); defaults are safe for production. The objects' bindings are in env.ts.
 */
import {
  DEFAULT_ATTACHMENT_MAX_BYTES,
  DEFAULT_EDIT_WINDOW_MS,
  BROWSER_PUSH_HOSTS,
  DEFAULT_MAX_GROUP_MEMBERS,
  HISTORY_PAGE_MAX,
  type EndpointPolicy,
} from "../protocol/index.js";

/**
 * The variables and secrets the edge reads, each a string that may be unset: wrangler.toml's [vars] set some, secrets
 * (`wrangler secret put`) and the dashboard others. The Worker's generated `Env` must fit this.
 */
export interface ConfigVars {
  AUTH_SECRET?: string;
  AUTH_SECRET_PREVIOUS?: string;
  DEV_AUTH?: string;
  ORIGIN_URL?: string;
  ORIGIN_SECRET?: string;
  RATE_LIMIT_PER_SEC?: string;
  RATE_LIMIT_BURST?: string;
  FANOUT_LIMIT_PER_SEC?: string;
  FANOUT_LIMIT_BURST?: string;
  FRAME_LIMIT_PER_SEC?: string;
  FRAME_LIMIT_BURST?: string;
  MAX_GROUP_MEMBERS?: string;
  MAX_GROUPS_PER_DAY?: string;
  MAX_DIRECTS_PER_DAY?: string;
  TOKEN_MAX_LIFETIME_S?: string;
  PUSH_ENDPOINT_HOSTS?: string;
  PUSH_ALLOW_INSECURE_ENDPOINTS?: string;
  FANOUT_RETRY_MS?: string;
  OUTBOX_RETRY_MS?: string;
  PRESENCE_HEARTBEAT_MS?: string;
  SAFETY_ALARM_MS?: string;
  POSITION_CHECKPOINT_MS?: string;
  HISTORY_KEEP?: string;
  HISTORY_KEEP_WITHOUT_ORIGIN?: string;
  HISTORY_MIN_AGE_MS?: string;
  EDIT_WINDOW_MS?: string;
  VAPID_PUBLIC_KEY?: string;
  METER?: string;
  ATTACHMENT_MAX_BYTES?: string;
  ATTACHMENT_QUOTA_BYTES_PER_DAY?: string;
  ATTACHMENT_QUOTA_UPLOADS_PER_DAY?: string;
  ATTACHMENT_ORPHAN_MS?: string;
  REPORTS_PER_DAY?: string;
  REPORT_RETENTION_MS?: string;
  MODERATOR_TOKEN?: string;
}

export interface EdgeConfig {
  /** HS256 secret of client tokens; without it every authenticated call answers 401. */
  authSecret: string | undefined;
  /** While AUTH_SECRET is rotated: tokens signed with the previous secret are still accepted (docs/security.md). */
  authSecretPrevious: string | undefined;
  /** `POST /v1/dev/token` exists only when true (local development and tests). */
  devAuth: boolean;
  /** Origin base URL; unset means the edge is the whole system, its DO storage the durable store. */
  originUrl: string | undefined;
  originSecret: string | undefined;
  /** Messages a user may send: a token bucket shared by all its devices and HTTP. */
  rateLimitPerSec: number;
  rateLimitBurst: number;
  /**
   * Recipients a user's sends, typing and read frames may reach: each costs one token per member it is relayed
   * to, so a user in many big groups cannot turn cheap frames into a flood of deliveries.
   */
  fanoutLimitPerSec: number;
  fanoutLimitBurst: number;
  /** Frames of any kind one socket may send. */
  frameLimitPerSec: number;
  frameLimitBurst: number;
  maxGroupMembers: number;
  /** New groups one user may create per UTC day; direct conversations opened per day. */
  maxGroupsPerDay: number;
  maxDirectsPerDay: number;
  /** The longest lifetime (`exp` − `iat`) a client token may have. */
  tokenMaxLifetimeS: number;
  /** Which Web Push endpoints a subscription may name (see protocol/push-endpoint.ts). */
  pushEndpoints: EndpointPolicy;
  /** First retry delay of an unconfirmed fan-out; doubles up to a minute. */
  fanoutRetryMs: number;
  /** First retry delay of an origin outbox flush; doubles up to five minutes. */
  outboxRetryMs: number;
  /** With an origin: how often devices renew the user's presence (`alive`); the lease at origin is 2.5 times that. */
  presenceHeartbeatMs: number;
  /**
   * After a send, a Conversation's alarm comes back within this long (and again while the conversation is active):
   * it finishes pushes a crash interrupted and saves the members' receipt watermarks.
   */
  safetyAlarmMs: number;
  /** A UserSession saves the positions it learned at most this often (see user-session/conversations.ts). */
  positionCheckpointMs: number;
  /**
   * With an origin, a Conversation keeps at least this many newest messages; older ones that origin confirmed
   * (and that are older than `historyMinAgeMs`, the idempotency window) are pruned and served from origin.
   */
  historyKeep: number;
  /** Without an origin: the newest messages a Conversation keeps; older ones are gone (a device that missed them resyncs). */
  historyKeepWithoutOrigin: number;
  historyMinAgeMs: number;
  /** How long after sending its sender may edit a message. */
  editWindowMs: number;
  /** Web Push application server key, published to browsers by `GET /v1/push/key`. */
  vapidPublicKey: string | undefined;
  /** The largest attachment a member may upload (declared `Content-Length`; larger answers 413 before reading). */
  attachmentMaxBytes: number;
  /** What one user may upload per UTC day, in bytes and in uploads; past either the upload answers 429. */
  attachmentQuotaBytesPerDay: number;
  attachmentQuotaUploadsPerDay: number;
  /** An upload no message referenced within this long is deleted by its uploader's session. */
  attachmentOrphanMs: number;
  /** Messages one user may report per UTC day; past it a report answers 429. */
  reportsPerDay: number;
  /** A report is deleted this long after it last changed (filed, or resolved by an operator). */
  reportRetentionMs: number;
  /** The Bearer token of `GET /v1/moderation/reports`; unset, the route does not exist (404). */
  moderatorToken: string | undefined;
  /** `METER=log`: a line per invocation with what it cost (shared/meter.ts, docs/cost.md); off by default. */
  meterLog: boolean;
}

export function loadConfig(env: ConfigVars): EdgeConfig {
  return {
    authSecret: env.AUTH_SECRET || undefined,
    authSecretPrevious: env.AUTH_SECRET_PREVIOUS || undefined,
    devAuth: env.DEV_AUTH === "1",
    originUrl: env.ORIGIN_URL ? env.ORIGIN_URL.replace(/\/+$/, "") : undefined,
    originSecret: env.ORIGIN_SECRET || undefined,
    rateLimitPerSec: positive(env.RATE_LIMIT_PER_SEC, 50),
    rateLimitBurst: positive(env.RATE_LIMIT_BURST, 100),
    fanoutLimitPerSec: positive(env.FANOUT_LIMIT_PER_SEC, 5_000),
    fanoutLimitBurst: positive(env.FANOUT_LIMIT_BURST, 20_000),
    frameLimitPerSec: positive(env.FRAME_LIMIT_PER_SEC, 100),
    frameLimitBurst: positive(env.FRAME_LIMIT_BURST, 200),
    // A members snapshot to origin must fit one ingest body (MAX_INGEST_BYTES): 5,000 ids of 64 chars take ~340 KB.
    maxGroupMembers: Math.min(MAX_GROUP_MEMBERS_CAP, positive(env.MAX_GROUP_MEMBERS, DEFAULT_MAX_GROUP_MEMBERS)),
    maxGroupsPerDay: positive(env.MAX_GROUPS_PER_DAY, 50),
    maxDirectsPerDay: positive(env.MAX_DIRECTS_PER_DAY, 500),
    tokenMaxLifetimeS: positive(env.TOKEN_MAX_LIFETIME_S, 24 * 3600),
    pushEndpoints: pushEndpoints(env),
    fanoutRetryMs: positive(env.FANOUT_RETRY_MS, 2_000),
    outboxRetryMs: positive(env.OUTBOX_RETRY_MS, 1_000),
    presenceHeartbeatMs: positive(env.PRESENCE_HEARTBEAT_MS, 120_000),
    safetyAlarmMs: positive(env.SAFETY_ALARM_MS, 30_000),
    positionCheckpointMs: positive(env.POSITION_CHECKPOINT_MS, 300_000),
    historyKeep: Math.max(HISTORY_PAGE_MAX, positive(env.HISTORY_KEEP, 10_000)),
    historyKeepWithoutOrigin: Math.max(HISTORY_PAGE_MAX, positive(env.HISTORY_KEEP_WITHOUT_ORIGIN, 100_000)),
    historyMinAgeMs: positive(env.HISTORY_MIN_AGE_MS, 24 * 3600_000),
    editWindowMs: positive(env.EDIT_WINDOW_MS, DEFAULT_EDIT_WINDOW_MS),
    vapidPublicKey: env.VAPID_PUBLIC_KEY || undefined,
    meterLog: env.METER === "log",
    attachmentMaxBytes: positive(env.ATTACHMENT_MAX_BYTES, DEFAULT_ATTACHMENT_MAX_BYTES),
    attachmentQuotaBytesPerDay: positive(env.ATTACHMENT_QUOTA_BYTES_PER_DAY, 1024 ** 3),
    attachmentQuotaUploadsPerDay: positive(env.ATTACHMENT_QUOTA_UPLOADS_PER_DAY, 200),
    attachmentOrphanMs: positive(env.ATTACHMENT_ORPHAN_MS, 24 * 3600_000),
    reportsPerDay: positive(env.REPORTS_PER_DAY, 50),
    reportRetentionMs: positive(env.REPORT_RETENTION_MS, 90 * 24 * 3600_000),
    moderatorToken: env.MODERATOR_TOKEN || undefined,
  };
}

/** Local push services (development, tests) need http to any host; everything else gets the strict policy. */
function pushEndpoints(env: ConfigVars): EndpointPolicy {
  if (env.PUSH_ALLOW_INSECURE_ENDPOINTS === "1") return { allowInsecure: true, hosts: null };
  const hosts = env.PUSH_ENDPOINT_HOSTS?.split(",")
    .map((h) => h.trim())
    .filter(Boolean);
  return { allowInsecure: false, hosts: hosts?.length ? hosts : BROWSER_PUSH_HOSTS };
}

const MAX_GROUP_MEMBERS_CAP = 5_000;

function positive(raw: string | undefined, fallback: number): number {
  const value = Number(raw);
  return raw !== undefined && raw !== "" && Number.isFinite(value) && value > 0 ? value : fallback;
}
