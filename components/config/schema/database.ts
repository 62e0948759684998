// How PostgreSQL runs: one server (a StatefulSet, or a container on Docker), or a replicated
// CloudNativePG cluster with synchronous standbys and automatic failover (Kubernetes only).
import { z } from "zod";
import { dnsLabel, intRange, mapping, oneOf } from "./primitives";

export const databaseEngines = ["single", "cloudnative-pg"] as const;
export type DatabaseEngine = (typeof databaseEngines)[number];

export const databaseSchema = z
  .object(
    {
      engine: oneOf(databaseEngines)
        .default("single")
        .meta({
          description:
            "`single`: one PostgreSQL server with its volume (dev, Docker). `cloudnative-pg`: a " +
            "CloudNativePG cluster of `instances` with automatic failover, on Kubernetes " +
            "(docs/DISASTER_RECOVERY.md).",
        }),
      instances: intRange(2, 9).default(3).meta({
        description:
          "PostgreSQL instances of the cluster: one primary, the rest hot standbys (cloudnative-pg).",
      }),
      synchronousStandbys: intRange(0, 8)
        .default(1)
        .meta({
          description:
            "Standbys that must confirm each commit before it is acknowledged: with 1 or more, a " +
            "failover loses no acknowledged commit, and writes wait while none is up " +
            "(cloudnative-pg; fewer than `instances`).",
        }),
      antiAffinity: oneOf(["required", "preferred"])
        .default("required")
        .meta({
          description:
            "Whether two instances may share a node: `required` keeps each on its own node (a " +
            "node's loss takes one instance), `preferred` lets them share one when no other " +
            "fits (cloudnative-pg).",
        }),
      operator: oneOf(["install", "existing"])
        .default("install")
        .meta({
          description:
            "`install`: the stack deploys the CloudNativePG operator and its CRDs (one per " +
            "cluster); `existing`: one is already running in `operatorNamespace`, e.g. " +
            "installed by another stack on the same cluster (cloudnative-pg).",
        }),
      operatorNamespace: dnsLabel.default("cnpg-system").meta({
        description: "The operator's namespace (cloudnative-pg).",
      }),
    },
    mapping,
  )
  .strict();

export type DatabaseSettings = z.output<typeof databaseSchema>;
