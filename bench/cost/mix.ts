/**
 * The design's scale in dollars: a stated mix of messages over the measured scenarios, the connected hours and
 * the reconnects of 500M users, per month. The shares are assumptions (said in docs/cost.md); every price per unit
 * is a measured scenario's.
 */
import type { CostReport } from "./run.js";
import type { CostScenarioName } from "./scenarios.js";

export const MIX = {
  messagesPerDay: 20e9,
  /** Which scenario a message is like, and what share of messages. */
  messageShares: { "pair-read": 0.7, group10: 0.25, "group100-10online": 0.05 } as Partial<
    Record<CostScenarioName, number>
  >,
  /** The walkthrough's 500M concurrent connections, all day. */
  deviceHoursPerDay: 500e6 * 24,
  /** Four reconnects per user a day (network changes), each costing what `reconnect` measured (100 missed messages: an upper bound). */
  reconnectsPerDay: 500e6 * 4,
  daysPerMonth: 30,
  /** The walkthrough's 10,000 gateway servers, and Ably's list price for a 1:1 message (a publish and a receive). */
  gatewayFleetPerMonth: 2.5e6,
  ablyPerMillion1to1: 5,
};

export interface MixCost {
  /** $ per million messages, the messages alone (the shares' weighted mean). */
  perMillionMessages: number;
  /** $ per month: messages, connected hours (presence), reconnects, and their sum. */
  messagesPerMonth: number;
  connectedPerMonth: number;
  reconnectsPerMonth: number;
  totalPerMonth: number;
  /** The total per million messages, everything included. */
  allInPerMillionMessages: number;
}

/** The mix, when the report has every scenario it needs. */
export function mixOf(report: CostReport): MixCost | null {
  const s = report.scenarios;
  const idle = s["idle-origin"];
  const reconnect = s.reconnect;
  const shares = Object.entries(MIX.messageShares) as [CostScenarioName, number][];
  if (!idle || !reconnect || shares.some(([name]) => !s[name])) return null;
  const perMessage = shares.reduce((sum, [name, share]) => sum + share * s[name]!.perMessage.usd, 0);
  const month = (perDay: number) => perDay * MIX.daysPerMonth;
  const messagesPerMonth = month(MIX.messagesPerDay * perMessage);
  const connectedPerMonth = month(MIX.deviceHoursPerDay * idle.perDeviceHour.usd);
  const reconnectsPerMonth = month(MIX.reconnectsPerDay * reconnect.perMessage.usd * reconnect.messages);
  const totalPerMonth = messagesPerMonth + connectedPerMonth + reconnectsPerMonth;
  return {
    perMillionMessages: perMessage * 1e6,
    messagesPerMonth,
    connectedPerMonth,
    reconnectsPerMonth,
    totalPerMonth,
    allInPerMillionMessages: (totalPerMonth / month(MIX.messagesPerDay)) * 1e6,
  };
}
