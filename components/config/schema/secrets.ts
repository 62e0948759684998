// The secret keys: generated unless supplied, receiver credentials, the backup bucket's keys.
import { z } from "zod";

/** Secrets the program generates with @pulumi/random unless the stack supplies them. */
export const generatedSecretKeys = [
  "postgresPassword",
  "redisPassword",
  "flowerPassword",
  "jwtSecret",
  "appSecretKey",
  "grafanaAdminPassword",
  "postgresReaderPassword",
] as const;
export type GeneratedSecretKey = (typeof generatedSecretKeys)[number];

/**
 * Credentials of Alertmanager's receivers: only the stack can supply them (empty: the receiver
 * exists but delivers nothing).
 */
export const receiverSecretKeys = [
  "alertPagerRoutingKey",
  "alertChatWebhookUrl",
  "alertWebhookToken",
] as const;

/** Credentials of the backup bucket, when `backup.storage.type` is s3: only the stack supplies them. */
export const backupBucketSecretKeys = ["backupS3AccessKeyId", "backupS3SecretAccessKey"] as const;

/** Keys whose value must come from `pulumi config set --secret`. */
export const secretKeys = [
  ...generatedSecretKeys,
  ...receiverSecretKeys,
  ...backupBucketSecretKeys,
] as const;
export type SecretKey = (typeof secretKeys)[number];

const secretValue = z.union([
  z.literal(""),
  z
    .string()
    .min(16, { error: "must be at least 16 characters (or empty to generate one)" })
    .meta({ allowed: "at least 16 characters" }),
]);

/** What each secret key holds (docs/CONFIGURATION.md). */
const secretDescriptions: Record<SecretKey, string> = {
  postgresPassword: "PostgreSQL password; empty: generated.",
  redisPassword: "Redis password; empty: generated.",
  flowerPassword: "Flower basic-auth password; empty: generated.",
  jwtSecret: "JWT signing key; empty: generated.",
  appSecretKey: "Application secret key; empty: generated.",
  grafanaAdminPassword:
    "Grafana's `admin` password (read from a file by Grafana); empty: generated.",
  postgresReaderPassword:
    "Password of `grafana_reader`, Grafana's read-only PostgreSQL role; empty: generated.",
  alertPagerRoutingKey:
    "PagerDuty Events v2 routing key: critical alerts page. Empty: the `pager` receiver " +
    "pages nobody (refused unless `monitoring.alertWebhookUrl` or `monitoring.alertSink` " +
    "takes its alerts).",
  alertChatWebhookUrl:
    "Slack-compatible incoming webhook: warnings post there. Empty: the `chat` receiver " +
    "posts nowhere (refused unless `monitoring.alertWebhookUrl` or `monitoring.alertSink` " +
    "takes its alerts).",
  alertWebhookToken:
    "Bearer token Alertmanager sends to `monitoring.alertWebhookUrl` (read from a file); " +
    "empty: none.",
  backupS3AccessKeyId: "Access key of the backup bucket; required with a bucket.",
  backupS3SecretAccessKey: "Secret key of the backup bucket; required with a bucket.",
};

/** The secret keys of the stack schema, each with its default and description. */
export const secretShape = {
  ...(Object.fromEntries(
    [...generatedSecretKeys, ...receiverSecretKeys].map((key) => [
      key,
      secretValue.default("").meta({ description: secretDescriptions[key] }),
    ]),
  ) as {
    [K in GeneratedSecretKey | (typeof receiverSecretKeys)[number]]: z.ZodDefault<
      typeof secretValue
    >;
  }),
  ...(Object.fromEntries(
    backupBucketSecretKeys.map((key) => [
      key,
      z.string().default("").meta({ description: secretDescriptions[key] }),
    ]),
  ) as {
    [K in (typeof backupBucketSecretKeys)[number]]: z.ZodDefault<z.ZodString>;
  }),
};
