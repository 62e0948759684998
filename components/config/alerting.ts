// Where alerts go: every receiver a route of Alertmanager uses must have an integration, or the
// alerts routed to it are dropped without a word. Pure rules over the validated config, beside
// ./rules; the receivers themselves are components/monitoring/alertmanager.ts.
import { projectName, type ConfigProblem } from "./problems";
import type { StackConfig } from "./schema";

const webhookKey = `${projectName}:monitoring.alertWebhookUrl`;

/**
 * The webhook URL as a message may show it: scheme, host and path, with a user:password part
 * and a query replaced, so that a credential pasted into it is never printed back.
 */
export function shownWebhookUrl(url: string): string {
  const shown = url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@/i, "$1[user:password]@")
    .replace(/\?.*$/s, "?[query]");
  return JSON.stringify(shown.length > 80 ? `${shown.slice(0, 77)}...` : shown);
}

/**
 * `monitoring.alertWebhookUrl`: empty, or an http(s) URL with a host and no user:password part,
 * query or fragment. It is plain config (rendered into Alertmanager's ConfigMap), so a
 * credential belongs in the secret `alertWebhookToken` instead.
 */
export function alertWebhookUrlProblems(url: string): ConfigProblem[] {
  if (url === "") return [];
  const problem = (message: string): ConfigProblem[] => [
    { key: webhookKey, shownValue: shownWebhookUrl(url), message },
  ];
  const tokenFix =
    "give the URL without it, and the endpoint's token with " +
    "`pulumi config set --secret alertWebhookToken < token.txt` (sent as a bearer token)";
  if (/^[a-z][a-z0-9+.-]*:\/\/[^\s/?#]*@/i.test(url)) {
    return problem(
      "has a user:password part: it would be rendered in plain text into Alertmanager's " +
        `configuration; ${tokenFix}`,
    );
  }
  if (url.includes("?")) {
    return problem(
      "has a query string: a token in it would be rendered in plain text into Alertmanager's " +
        `configuration; ${tokenFix}`,
    );
  }
  if (!/^https?:\/\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:\d{1,5})?(\/[^\s#]*)?$/i.test(url)) {
    return problem(
      "must be an http:// or https:// URL with a host and no fragment, such as " +
        "https://alerts.example.com/alertmanager",
    );
  }
  return [];
}

/** The webhook's token without the webhook is refused, like the bucket's keys without a bucket. */
export function alertWebhookTokenProblems(
  config: Pick<StackConfig, "monitoring" | "alertWebhookToken">,
): ConfigProblem[] {
  if (config.alertWebhookToken === "" || config.monitoring.alertWebhookUrl !== "") return [];
  return [
    {
      key: `${projectName}:alertWebhookToken`,
      shownValue: "[secret]",
      message:
        "is set, but monitoring.alertWebhookUrl is empty: nothing reads it; set the URL it is " +
        "for, or remove it",
    },
  ];
}

/** A receiver a route uses, and what can deliver its alerts. */
interface RoutedReceiver {
  readonly receiver: "pager" | "chat";
  /** Which alerts reach it. */
  readonly alerts: string;
  /** What is lost when it has no integration. */
  readonly dropped: string;
  readonly secret: "alertPagerRoutingKey" | "alertChatWebhookUrl";
  /** The secret's integration, for the message. */
  readonly secretIs: string;
  readonly secretFile: string;
}

const routedReceivers: readonly RoutedReceiver[] = [
  {
    receiver: "pager",
    alerts: "critical alerts",
    dropped: "every critical alert",
    secret: "alertPagerRoutingKey",
    secretIs: "a PagerDuty Events v2 routing key",
    secretFile: "routing-key.txt",
  },
  {
    receiver: "chat",
    alerts: "warnings and every alert no other route takes (the default route)",
    dropped: "every warning and every unrouted alert",
    secret: "alertChatWebhookUrl",
    secretIs: "a Slack-compatible incoming webhook",
    secretFile: "webhook-url.txt",
  },
];

/**
 * Every receiver a route uses has an integration: `pager` its routing key, `chat` its webhook,
 * or either the generic webhook (`monitoring.alertWebhookUrl`) or the local sink
 * (`monitoring.alertSink`), which take every routed alert. Otherwise the stack is refused: in
 * every environment (dev's stack file turns the sink on). Secret values are never shown.
 */
export function alertDeliveryProblems(
  config: Pick<StackConfig, "monitoring" | "alertPagerRoutingKey" | "alertChatWebhookUrl">,
): ConfigProblem[] {
  if (config.monitoring.alertWebhookUrl !== "" || config.monitoring.alertSink) return [];
  return routedReceivers
    .filter((routed) => config[routed.secret] === "")
    .map((routed) => ({
      key: `${projectName}:${routed.secret}`,
      message:
        "is not set, nor is monitoring.alertWebhookUrl or monitoring.alertSink: Alertmanager's " +
        `\`${routed.receiver}\` receiver, where ${routed.alerts} go, has no integration, so ` +
        `${routed.dropped} would be dropped. Set one: ` +
        `\`pulumi config set --secret ${routed.secret} < ${routed.secretFile}\` ` +
        `(${routed.secretIs}), or \`pulumi config set --path monitoring.alertWebhookUrl ` +
        "https://<your incident router>/<path>` (every alert, as Alertmanager's webhook JSON), " +
        "or `pulumi config set --path monitoring.alertSink true` (a local sink that logs them: " +
        "dev)",
    }));
}
