// How Redis runs: one server, or a primary with replicas watched by Sentinels, which promote a
// replica when the primary fails (Kubernetes only).
import { z } from "zod";
import { intRange, mapping, oneOf } from "./primitives";

export const redisModes = ["single", "sentinel"] as const;
export type RedisMode = (typeof redisModes)[number];

export const redisSchema = z
  .object(
    {
      mode: oneOf(redisModes)
        .default("single")
        .meta({
          description:
            "`single`: one Redis server with its volume (dev, Docker). `sentinel`: a primary and " +
            "`replicas`, each pod with a Sentinel beside its server; the Sentinels promote a " +
            "replica when the primary fails, and clients find the primary through them, on " +
            "Kubernetes (docs/DISASTER_RECOVERY.md).",
        }),
      replicas: intRange(2, 8)
        .default(2)
        .meta({
          description:
            "Replicas beside the primary (sentinel). With the primary's, there is one Sentinel per " +
            "server, and a failover needs a majority of them.",
        }),
      failoverAfterSeconds: intRange(2, 60)
        .default(5)
        .meta({
          description:
            "How long the Sentinels wait for an unanswering primary before a failover " +
            "(sentinel; Sentinel's down-after-milliseconds).",
        }),
    },
    mapping,
  )
  .strict();

export type RedisSettings = z.output<typeof redisSchema>;
