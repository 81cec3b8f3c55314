/**
 * `POST /v1/ingest`: 200 only once Kafka has acknowledged every record and Redis every presence update; anything else
 * is a 503 and the edge retries the whole batch (safe: every downstream write is a keyed upsert).
 */
import { Hono } from "hono";
import { errorResponse, ok, type Result } from "../../protocol/errors.js";
import { ingestBody } from "../../protocol/events.js";
import { deadLetters, ingestedEvents, ingestFailures } from "../shared/metrics.js";
import type { ApiDeps, ApiEnv } from "./deps.js";
import { planIngest, type IngestPlan } from "./ingest-plan.js";
import { parseJsonBody } from "./json-body.js";

export function ingestRoute(deps: ApiDeps): Hono<ApiEnv> {
  return new Hono<ApiEnv>().post("/", async (c) => {
    const events = parseEnvelope(c.get("rawBody"));
    if (!events.ok) return errorResponse(events.error);
    const plan = planIngest(events.value, Date.now());
    const [logged, presence] = await Promise.all([deps.messageLog.append(plan.records), applyPresence(deps, plan)]);
    for (const [backend, result] of [
      ["kafka", logged],
      ["redis", presence],
    ] as const) {
      if (result.ok) continue;
      ingestFailures.inc({ backend });
      deps.log.warn({ err: result.error.message, events: events.value.length }, "ingest batch refused: backend failed");
      return errorResponse(result.error);
    }
    for (const [kind, n] of Object.entries(plan.accepted)) ingestedEvents.inc({ kind }, n);
    deadLetters.inc({ service: "ingest" }, plan.rejected);
    const accepted = Object.values(plan.accepted).reduce((sum, n) => sum + n, 0);
    return c.json({ accepted, rejected: plan.rejected });
  });
}

function parseEnvelope(raw: string): Result<unknown[]> {
  const body = parseJsonBody(raw, ingestBody);
  return body.ok ? ok(body.value.events) : body;
}

async function applyPresence(deps: ApiDeps, plan: IngestPlan): Promise<Result<void>> {
  const results = await Promise.all(plan.presence.map((event) => deps.presence.apply(event)));
  return results.find((r) => !r.ok) ?? ok(undefined);
}
