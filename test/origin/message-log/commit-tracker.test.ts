/** CommitTracker (pure): a consumer never commits past a record still pending (push: a notification not yet sent). */
import { describe, expect, it } from "vitest";
import { CommitTracker } from "../../../origin/message-log/commit-tracker.js";

describe("CommitTracker", () => {
  it("commits just past the newest record once nothing is pending", () => {
    const t = new CommitTracker();
    for (const o of ["10", "11", "12"]) t.begin(0, o);
    for (const o of ["10", "11", "12"]) t.finish(0, o);
    expect(t.committable()).toEqual([{ partition: 0, offset: "13" }]);
  });

  it("stops at the lowest pending record, whatever finished after it", () => {
    const t = new CommitTracker();
    for (const o of ["10", "11", "12"]) t.begin(0, o);
    t.finish(0, "10");
    t.finish(0, "12");
    expect(t.committable()).toEqual([{ partition: 0, offset: "11" }]);
  });

  it("keeps a record pending until every window holding it was handled", () => {
    const t = new CommitTracker();
    t.begin(0, "20");
    t.hold(0, "20");
    t.hold(0, "20");
    t.finish(0, "20");
    t.finish(0, "20");
    expect(t.committable()).toEqual([{ partition: 0, offset: "20" }]);
    t.finish(0, "20");
    expect(t.committable()).toEqual([{ partition: 0, offset: "21" }]);
    t.finish(0, "20");
    t.hold(0, "20");
    expect(t.committable()).toEqual([{ partition: 0, offset: "21" }]);
  });

  it("commits past a handled batch, but never past a record of it still held", () => {
    const t = new CommitTracker();
    t.begin(0, "31");
    t.advance(0, "35");
    expect(t.committable()).toEqual([{ partition: 0, offset: "31" }]);
    expect(t.isNew(0, "35")).toBe(false);
    t.finish(0, "31");
    expect(t.committable()).toEqual([{ partition: 0, offset: "36" }]);
    t.advance(0, "33");
    expect(t.committable()).toEqual([{ partition: 0, offset: "36" }]);
  });

  it("offers an offset only when it moved past the last commit", () => {
    const t = new CommitTracker();
    t.begin(1, "5");
    t.finish(1, "5");
    t.committed(1, "6");
    expect(t.committable()).toEqual([]);
  });

  it("recognises re-delivered records and forgets partitions it no longer owns", () => {
    const t = new CommitTracker();
    t.begin(0, "7");
    expect(t.isNew(0, "7")).toBe(false);
    expect(t.isNew(0, "8")).toBe(true);
    t.begin(2, "1");
    t.retain([2]);
    expect(t.committable()).toEqual([{ partition: 2, offset: "1" }]);
  });
});
