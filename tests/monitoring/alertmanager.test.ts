// Alertmanager's generated configuration: amtool accepts it in every combination of integrations,
// and routes a critical alert to the pager, a warning to chat and Watchdog nowhere; credentials
// appear only as file references; the webhook and the sink take every routed alert.
import { stringify } from "yaml";
import { alertmanagerConfig, receiverNames } from "../../components/monitoring/alertmanager";
import { itWithTool, runMonitoringTool } from "../support/monitoring-tools";

const withReceivers = alertmanagerConfig({
  pagerRoutingKeyFile: "/run/secrets/pager-routing-key",
  chatWebhookUrlFile: "/run/secrets/chat-webhook-url",
});
const withoutReceivers = alertmanagerConfig({});
const webhook = { url: "https://alerts.school.test/alertmanager" };
const withWebhook = alertmanagerConfig({ webhook });
const withWebhookToken = alertmanagerConfig({
  webhook: { ...webhook, tokenFile: "/run/secrets/webhook-token" },
});
const withSink = alertmanagerConfig({ sinkUrl: "http://alert-sink:8080" });
const withEverything = alertmanagerConfig({
  pagerRoutingKeyFile: "/run/secrets/pager-routing-key",
  chatWebhookUrlFile: "/run/secrets/chat-webhook-url",
  webhook: { ...webhook, tokenFile: "/run/secrets/webhook-token" },
  sinkUrl: "http://alert-sink.toolboxai-monitoring.svc.cluster.local:8080",
});

type Receiver = { name: string; webhook_configs?: unknown[] };
const receiver = (config: Record<string, unknown>, name: string) =>
  (config.receivers as Receiver[]).find((candidate) => candidate.name === name)!;

test("credentials are referenced as files, never inlined", () => {
  const text = stringify(withReceivers);
  expect(text).toContain("routing_key_file: /run/secrets/pager-routing-key");
  expect(text).toContain("api_url_file: /run/secrets/chat-webhook-url");
  expect(text).not.toMatch(/routing_key:|api_url:|https?:\/\/hooks/);
});

test("without credentials the receivers exist but deliver nothing", () => {
  const receivers = withoutReceivers.receivers as { name: string }[];
  expect(receivers).toEqual([{ name: "pager" }, { name: "chat" }, { name: "null" }]);
});

test("a critical alert inhibits the warnings of the same service and namespace", () => {
  expect(withReceivers.inhibit_rules).toEqual([
    {
      source_matchers: ['severity = "critical"'],
      target_matchers: ['severity = "warning"'],
      equal: ["namespace", "service"],
    },
  ]);
});

test("the webhook takes every routed alert, resolved too, its token as a bearer-token file", () => {
  for (const name of [receiverNames.pager, receiverNames.chat]) {
    expect(receiver(withWebhook, name).webhook_configs).toEqual([
      { url: "https://alerts.school.test/alertmanager", send_resolved: true },
    ]);
    expect(receiver(withWebhookToken, name).webhook_configs).toEqual([
      {
        url: "https://alerts.school.test/alertmanager",
        send_resolved: true,
        http_config: { authorization: { credentials_file: "/run/secrets/webhook-token" } },
      },
    ]);
  }
  expect(receiver(withWebhookToken, receiverNames.silent)).toEqual({ name: "null" });
});

test("the sink takes every routed alert, on a path naming the receiver", () => {
  expect(receiver(withSink, receiverNames.pager).webhook_configs).toEqual([
    { url: "http://alert-sink:8080/pager", send_resolved: true },
  ]);
  expect(receiver(withSink, receiverNames.chat).webhook_configs).toEqual([
    { url: "http://alert-sink:8080/chat", send_resolved: true },
  ]);
  expect(receiver(withSink, receiverNames.silent)).toEqual({ name: "null" });
});

test("with everything, each routed receiver has its own integration, the webhook and the sink", () => {
  const pager = receiver(withEverything, receiverNames.pager) as unknown as Record<
    string,
    unknown[]
  >;
  expect(Object.keys(pager).sort()).toEqual(["name", "pagerduty_configs", "webhook_configs"]);
  expect(pager.webhook_configs).toHaveLength(2);
  const chat = receiver(withEverything, receiverNames.chat) as unknown as Record<string, unknown[]>;
  expect(Object.keys(chat).sort()).toEqual(["name", "slack_configs", "webhook_configs"]);
  expect(chat.webhook_configs).toHaveLength(2);
});

describe.each([
  ["with receivers", withReceivers],
  ["without receivers", withoutReceivers],
  ["with the webhook", withWebhook],
  ["with the webhook and its token", withWebhookToken],
  ["with the sink", withSink],
  ["with every integration", withEverything],
])("amtool, %s", (_name, config) => {
  itWithTool("amtool")("check-config accepts it", () => {
    const result = runMonitoringTool("amtool", ["check-config", "alertmanager.yml"], {
      "alertmanager.yml": config,
    });
    expect({ status: result.status, output: result.output }).toEqual({
      status: 0,
      output: expect.stringContaining("SUCCESS"),
    });
  });

  itWithTool("amtool")("routes critical to the pager, warning to chat, Watchdog to null", () => {
    const route = (labels: string[], receiver: string) =>
      runMonitoringTool(
        "amtool",
        [
          "config",
          "routes",
          "test",
          "--config.file=alertmanager.yml",
          `--verify.receivers=${receiver}`,
          ...labels,
        ],
        { "alertmanager.yml": config },
      );
    for (const [labels, receiver] of [
      [["alertname=PostgresDown", "severity=critical", "service=postgres"], receiverNames.pager],
      [["alertname=HostHighCpu", "severity=warning", "service=node"], receiverNames.chat],
      [["alertname=Watchdog", "severity=none"], receiverNames.silent],
    ] as const) {
      const result = route([...labels], receiver);
      expect({ labels, status: result.status, output: result.output.trim() }).toEqual({
        labels,
        status: 0,
        output: receiver,
      });
    }
    // And the check can fail: a critical alert does not reach chat.
    expect(route(["severity=critical"], receiverNames.chat).status).not.toBe(0);
  });
});
