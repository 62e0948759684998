// Alertmanager's configuration: critical alerts page, warnings go to chat, a critical alert
// silences the warnings of the same service, and Watchdog goes nowhere but proves the pipeline.
// Receiver credentials are secret files (`*_file` settings); the config itself holds none, so it
// can live in a ConfigMap.

export interface ReceiverFiles {
  /** File with the PagerDuty Events v2 routing key; undefined: the pager receiver sends nothing. */
  readonly pagerRoutingKeyFile?: string;
  /** File with the chat (Slack-compatible) incoming-webhook URL; undefined: chat sends nothing. */
  readonly chatWebhookUrlFile?: string;
}

export const receiverNames = { pager: "pager", chat: "chat", silent: "null" } as const;

export function alertmanagerConfig(files: ReceiverFiles): Record<string, unknown> {
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
        ...(files.pagerRoutingKeyFile
          ? {
              pagerduty_configs: [
                { routing_key_file: files.pagerRoutingKeyFile, send_resolved: true },
              ],
            }
          : {}),
      },
      {
        name: receiverNames.chat,
        ...(files.chatWebhookUrlFile
          ? {
              slack_configs: [
                {
                  api_url_file: files.chatWebhookUrlFile,
                  send_resolved: true,
                  title: '{{ template "slack.default.title" . }}',
                  text: "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.runbook_url }}\n{{ end }}",
                },
              ],
            }
          : {}),
      },
      { name: receiverNames.silent },
    ],
  };
}
