// Pure validation of stack configuration: raw config strings in, one typed PlatformConfig out, or
// a ConfigError that lists every problem with its key, value and what is allowed. Nothing here
// touches the Pulumi runtime, so tests call it directly and check the exact messages.
import {
  alertDeliveryProblems,
  alertWebhookTokenProblems,
  alertWebhookUrlProblems,
} from "./alerting";
import { databaseProblems } from "./database";
import { redisProblems } from "./redis";
import { decodeRawValues, type RawConfigInput } from "./decode";
import { ConfigError, stackFileName } from "./problems";
import { resolveServices } from "./resolve";
import { backupBucketProblems, platformProblems } from "./rules";
import { secretKeys, stackConfigSchema, type SecretKey, type StackConfig } from "./schema";
import type { PlatformConfig } from "./types";
import { describeIssue } from "./zod-issues";

/**
 * Validates raw stack config and resolves it into a PlatformConfig, or throws ConfigError with
 * every problem of the first failing stage: types, ranges and unknown keys first, then (once
 * those pass) the rules that span several fields.
 */
export function validateConfig(input: RawConfigInput): PlatformConfig {
  const stackFile = stackFileName(input.stack);
  const { raw, problems } = decodeRawValues(input);
  const parsed = stackConfigSchema.safeParse(raw);
  if (!parsed.success) {
    problems.push(...parsed.error.issues.flatMap((issue) => describeIssue(issue, raw)));
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(stackFile, problems);

  const config = parsed.data;
  problems.push(
    ...backupBucketProblems(config),
    ...platformProblems(config),
    ...databaseProblems(config),
    ...redisProblems(config),
    ...alertWebhookUrlProblems(config.monitoring.alertWebhookUrl),
    ...alertWebhookTokenProblems(config),
    ...alertDeliveryProblems(config),
  );
  const services = resolveServices(config, problems);
  if (problems.length > 0) throw new ConfigError(stackFile, problems);

  const suppliedSecrets: Partial<Record<SecretKey, string>> = {};
  for (const key of secretKeys) {
    if (config[key] !== "") suppliedSecrets[key] = config[key];
  }
  const plain = Object.fromEntries(
    Object.entries(config).filter(
      ([key]) => key !== "services" && !(secretKeys as readonly string[]).includes(key),
    ),
  ) as Omit<StackConfig, "services" | SecretKey>;
  return { ...plain, stack: input.stack, services, suppliedSecrets };
}
