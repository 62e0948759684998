// Cross-field rules of `redis`: what only Sentinel mode reads is refused with one server.
import { fullKey, show, type ConfigProblem } from "./problems";
import { redisSchema, type StackConfig } from "./schema";

const sentinelOnlyKeys = ["replicas", "failoverAfterSeconds"] as const;

export function redisProblems(config: Pick<StackConfig, "redis" | "services">): ConfigProblem[] {
  const { redis } = config;
  if (redis.mode === "sentinel") return [];
  const defaults = redisSchema.parse({});
  const why = "redis.mode is single: nothing reads it; remove it (it applies to mode: sentinel)";
  return [
    ...(config.services.redisSentinel === undefined
      ? []
      : [{ key: fullKey(["services", "redisSentinel"]), message: `is set, but ${why}` }]),
    ...sentinelOnlyKeys
      .filter((key) => redis[key] !== defaults[key])
      .map((key) => ({
        key: fullKey(["redis", key]),
        shownValue: show(redis[key]),
        message: `is set, but ${why}`,
      })),
  ];
}
