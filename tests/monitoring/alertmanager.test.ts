// Alertmanager's generated configuration: amtool accepts it, and routes a critical alert to the
// pager, a warning to chat and Watchdog nowhere; credentials appear only as file references.
import { stringify } from "yaml";
import { alertmanagerConfig, receiverNames } from "../../components/monitoring/alertmanager";
import { itWithTool, runMonitoringTool } from "../support/monitoring-tools";

const withReceivers = alertmanagerConfig({
  pagerRoutingKeyFile: "/run/secrets/pager-routing-key",
  chatWebhookUrlFile: "/run/secrets/chat-webhook-url",
});
const withoutReceivers = alertmanagerConfig({});

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

describe.each([
  ["with receivers", withReceivers],
  ["without receivers", withoutReceivers],
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
