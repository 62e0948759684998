// Alertmanager's configuration: critical alerts page, warnings go to chat, a critical alert
// silences the warnings of the same service, and Watchdog goes nowhere but proves the pipeline.
// Besides its own integration (PagerDuty, Slack), each routed receiver also posts to the generic
// webhook and to the local sink when the stack names them. Receiver credentials are secret files
// (`*_file` settings); the config itself holds none, so it can live in a ConfigMap.
// components/config/alerting.ts refuses a stack in which a routed receiver would have nothing.

export interface AlertReceivers {
  /** File with the PagerDuty Events v2 routing key; undefined: no PagerDuty integration. */
  readonly pagerRoutingKeyFile?: string;
  /** File with the chat (Slack-compatible) incoming-webhook URL; undefined: no Slack one. */
  readonly chatWebhookUrlFile?: string;
  /**
   * A webhook every routed receiver also POSTs to (`monitoring.alertWebhookUrl`), with the file
   * of its bearer token when there is one; undefined: none.
   */
  readonly webhook?: { readonly url: string; readonly tokenFile?: string };
  /** The local alert sink's base URL (`http://alert-sink:8080`); undefined: no sink. */
  readonly sinkUrl?: string;
}

export const receiverNames = { pager: "pager", chat: "chat", silent: "null" } as const;

/** The webhook integrations of one routed receiver: the stack's webhook, the sink. */
function webhookConfigs(receiver: string, receivers: AlertReceivers): object[] {
  const { webhook, sinkUrl } = receivers;
  return [
    ...(webhook
      ? [
          {
            url: webhook.url,
            send_resolved: true,
            ...(webhook.tokenFile
              ? { http_config: { authorization: { credentials_file: webhook.tokenFile } } }
              : {}),
          },
        ]
      : []),
    // One path per receiver: the sink's log says which receiver sent each notification.
    ...(sinkUrl ? [{ url: `${sinkUrl}/${receiver}`, send_resolved: true }] : []),
  ];
}

/** `{ webhook_configs }` when the receiver has any, else nothing. */
function webhooksOf(receiver: string, receivers: AlertReceivers): object {
  const configs = webhookConfigs(receiver, receivers);
  return configs.length > 0 ? { webhook_configs: configs } : {};
}

export function alertmanagerConfig(receivers: AlertReceivers): Record<string, unknown> {
  return {
    route: {
      receiver: receiverNames.chat,
      group_by: ["alertname", "namespace", "service"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "4h",
      routes: [
        { receiver: receiverNames.silent, matchers: ['alertname = "Watchdog"'] },
        {
          receiver: receiverNames.pager,
          matchers: ['severity = "critical"'],
          repeat_interval: "1h",
        },
        { receiver: receiverNames.chat, matchers: ['severity = "warning"'] },
      ],
    },
    inhibit_rules: [
      {
        source_matchers: ['severity = "critical"'],
        target_matchers: ['severity = "warning"'],
        equal: ["namespace", "service"],
      },
    ],
    receivers: [
      {
        name: receiverNames.pager,
        ...(receivers.pagerRoutingKeyFile
          ? {
              pagerduty_configs: [
                { routing_key_file: receivers.pagerRoutingKeyFile, send_resolved: true },
              ],
            }
          : {}),
        ...webhooksOf(receiverNames.pager, receivers),
      },
      {
        name: receiverNames.chat,
        ...(receivers.chatWebhookUrlFile
          ? {
              slack_configs: [
                {
                  api_url_file: receivers.chatWebhookUrlFile,
                  send_resolved: true,
                  title: '{{ template "slack.default.title" . }}',
                  text: "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.runbook_url }}\n{{ end }}",
                },
              ],
            }
          : {}),
        ...webhooksOf(receiverNames.chat, receivers),
      },
      { name: receiverNames.silent },
    ],
  };
}
