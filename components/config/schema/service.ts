// A service's settings (image, replicas, resources, autoscaling, storage, build) and the names
// of the services.
import { z } from "zod";
import { imageSchema } from "./image";
import { cpu, dnsLabel, intRange, mapping, memory } from "./primitives";

const cpuAndMemory = z
  .object(
    {
      cpu: cpu.meta({ description: "CPU, in cores or millicores." }),
      memory: memory.meta({ description: "Memory, in bytes with a suffix." }),
    },
    mapping,
  )
  .strict();
const resourcesSchema = z
  .object(
    {
      requests: cpuAndMemory.meta({ description: "What the scheduler reserves for each pod." }),
      limits: cpuAndMemory.meta({
        description: "The most each pod may use; at least the requests.",
      }),
    },
    mapping,
  )
  .strict()
  .meta({
    description:
      "Requests and limits, CPU and memory: `{requests: {cpu, memory}, limits: {cpu, memory}}`.",
  });

const autoscalingSchema = z
  .object(
    {
      minReplicas: intRange(1, 100).meta({ description: "The fewest pods." }),
      maxReplicas: intRange(1, 100).meta({ description: "The most pods; at least `minReplicas`." }),
      targetCpuUtilizationPercent: intRange(10, 100).meta({
        description: "The average CPU use, as a share of the request, the autoscaler aims at.",
      }),
    },
    mapping,
  )
  .strict()
  .meta({
    description:
      "A HorizontalPodAutoscaler on CPU use: it owns the pod count, so `replicas` is not set.",
  });

const storageSchema = z
  .object(
    {
      size: memory.meta({ description: "Size of the volume claim." }),
      storageClass: z.union([z.literal(""), dnsLabel]).meta({
        description: "StorageClass of the claim; empty: the cluster's default.",
      }),
    },
    mapping,
  )
  .strict()
  .meta({ description: "The service's volume (services that keep data), `{size, storageClass}`." });

const contextMessage = "must be a folder path (relative to the project, or absolute)";
/** A local build of a service's image (components/images): its folder and Dockerfile. */
const buildSchema = z
  .object(
    {
      context: z
        .string({ error: contextMessage })
        .min(1, { error: contextMessage })
        .meta({
          description:
            "The build context: an existing folder, inside the project unless " +
            "`allowOutsideProject`.",
          allowed: "folder path, relative to the project or absolute",
        }),
      dockerfile: z
        .string({ error: "must be a file path" })
        .min(1)
        .default("Dockerfile")
        .meta({ description: "The Dockerfile, relative to the context; it must exist." }),
      allowOutsideProject: z
        .boolean({ error: "must be true or false" })
        .default(false)
        .meta({
          description:
            "Let the context and Dockerfile lie outside the project folder (links and `..` " +
            "resolved). Off by default: the engine sends the whole context to the Docker " +
            "daemon, so a stray path (`../../..`) would ship files off this machine.",
        }),
    },
    mapping,
  )
  .strict()
  .meta({
    description:
      "Build the image from this folder instead of pulling it, tagged with `image`'s repository " +
      "and tag; on Kubernetes it needs an `imageRegistry` (see Images built by the program in " +
      "docs/DEPLOYMENT.md).",
  });
export type ImageBuild = z.output<typeof buildSchema>;

/** What a stack may set for one service; each field replaces the code default wholesale. */
export const serviceSchema = z
  .object(
    {
      image: imageSchema,
      replicas: intRange(1, 50).meta({
        description: "The pod count, when the service is not autoscaled.",
      }),
      resources: resourcesSchema,
      autoscaling: autoscalingSchema,
      maxUnavailable: intRange(1, 10).meta({
        description:
          "Pods a voluntary disruption may take down at once: the PodDisruptionBudget, made " +
          "when 2 or more pods can run.",
      }),
      storage: storageSchema,
      internetEgress: z.boolean({ error: "must be true or false" }).meta({
        description: "Allow HTTPS egress to public addresses (LLM providers, the Roblox APIs).",
      }),
      build: buildSchema,
    },
    mapping,
  )
  .partial()
  .strict()
  .meta({ description: "One service's settings: each field replaces its default wholesale." });

export type ServiceOverrides = z.infer<typeof serviceSchema>;
export type Resources = z.infer<typeof resourcesSchema>;
export type Autoscaling = z.infer<typeof autoscalingSchema>;
export type Storage = z.infer<typeof storageSchema>;

export const serviceNames = [
  "backend",
  "dashboard",
  "mcpServer",
  "agentCoordinator",
  "celeryWorker",
  "celeryBeat",
  "flower",
  "robloxSync",
  "gateway",
  "postgres",
  "postgresOperator",
  "postgresExporter",
  "redis",
  "redisSentinel",
  "redisExporter",
  "prometheus",
  "alertmanager",
  "grafana",
  "loki",
  "alloy",
  "jaeger",
  "nodeExporter",
  "kubeStateMetrics",
  "backup",
] as const;
export type ServiceName = (typeof serviceNames)[number];

export const servicesSchema = z
  .object(
    Object.fromEntries(serviceNames.map((name) => [name, serviceSchema])) as {
      [K in ServiceName]: typeof serviceSchema;
    },
    mapping,
  )
  .partial()
  .strict();
