// How long a data store may take to start before it counts as failed: the start-up probe's budget
// on Kubernetes (after which the kubelet restarts the container), the health check's start period
// and `pulumi up`'s wait on Docker. Each store below replays what it holds before it answers its
// readiness check, for as long as that takes; restarted at the default 40 s in the middle of a
// long replay, it starts the replay again, in a loop. The budgets cost nothing when the start is
// quick: the probe passes at its first success.
import type { ProbeTiming } from "./workload";

export const recoveryStartPeriodSeconds = {
  /**
   * The WAL of the head block (the last two to three hours of every series) is replayed before
   * /-/ready answers: minutes on a busy server. The Prometheus Operator allows 15 minutes.
   */
  prometheus: 900,
  /**
   * Loki's ingester replays its WAL (the chunks not yet flushed) before /ready answers.
   */
  loki: 600,
  /**
   * Crash recovery replays the WAL written since the last checkpoint (at most `max_wal_size`,
   * 1 GB by default) while pg_isready reports "rejecting connections".
   */
  postgres: 600,
  /** The append-only file is loaded whole before PING answers (LOADING until then). */
  redis: 300,
} as const;

/** The probe timing of a store that recovers at start (`recoveryStartPeriodSeconds`). */
export function recoveryProbeTiming(
  store: keyof typeof recoveryStartPeriodSeconds,
): Partial<ProbeTiming> {
  return { startPeriodSeconds: recoveryStartPeriodSeconds[store] };
}
