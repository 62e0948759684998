// Where alerts go (components/config/alerting.ts): a stack in which a routed receiver has no
// integration is refused, naming the receiver, the alerts it would drop and the keys that fix it;
// the webhook URL carries no credential, and no message prints one back.
import {
  alertDeliveryProblems,
  alertWebhookUrlProblems,
  shownWebhookUrl,
} from "../../components/config/alerting";
import { validateConfig } from "../../components/config/validate";
import { key, messageOf, productionWith, stackInput, type Mapping } from "./support";

const monitoringOf = (input: ReturnType<typeof productionWith>) =>
  JSON.parse(input.values[key("monitoring")]) as Mapping;

/** Production with `toolboxai:monitoring` edited and the given secrets set. */
function productionWithAlerts(edit: (monitoring: Mapping) => void, secrets: Mapping = {}) {
  const input = productionWith();
  const monitoring = monitoringOf(input);
  edit(monitoring);
  return productionWith({
    set: { monitoring: JSON.stringify(monitoring), ...secrets },
    secret: Object.keys(secrets),
  });
}
const withoutWebhook = (monitoring: Mapping) => delete monitoring.alertWebhookUrl;

const pagerProblem =
  "  toolboxai:alertPagerRoutingKey: is not set, nor is monitoring.alertWebhookUrl or " +
  "monitoring.alertSink: Alertmanager's `pager` receiver, where critical alerts go, has no " +
  "integration, so every critical alert would be dropped. Set one: `pulumi config set --secret " +
  "alertPagerRoutingKey < routing-key.txt` (a PagerDuty Events v2 routing key), or `pulumi " +
  "config set --path monitoring.alertWebhookUrl https://<your incident router>/<path>` (every " +
  "alert, as Alertmanager's webhook JSON), or `pulumi config set --path monitoring.alertSink " +
  "true` (a local sink that logs them: dev)";
const chatProblem =
  "  toolboxai:alertChatWebhookUrl: is not set, nor is monitoring.alertWebhookUrl or " +
  "monitoring.alertSink: Alertmanager's `chat` receiver, where warnings and every alert no " +
  "other route takes (the default route) go, has no integration, so every warning and every " +
  "unrouted alert would be dropped. Set one: `pulumi config set --secret alertChatWebhookUrl < webhook-url.txt` (a " +
  "Slack-compatible incoming webhook), or `pulumi config set --path monitoring.alertWebhookUrl " +
  "https://<your incident router>/<path>` (every alert, as Alertmanager's webhook JSON), or " +
  "`pulumi config set --path monitoring.alertSink true` (a local sink that logs them: dev)";

describe("every routed receiver has an integration", () => {
  test("without webhook, sink or secrets both receivers are refused, naming what is dropped", () => {
    expect(messageOf(productionWithAlerts(withoutWebhook))).toBe(
      ["Pulumi.production.yaml has 2 configuration problems:", pagerProblem, chatProblem].join(
        "\n",
      ),
    );
  });

  test("the pager's routing key alone leaves chat refused, and the reverse", () => {
    const pagerKey = { alertPagerRoutingKey: "pager-routing-key-0123456789" };
    const chatUrl = { alertChatWebhookUrl: "https://hooks.chat.test/services/T0/B0/secretpart" };
    expect(messageOf(productionWithAlerts(withoutWebhook, pagerKey))).toBe(
      ["Pulumi.production.yaml has 1 configuration problem:", chatProblem].join("\n"),
    );
    const message = messageOf(productionWithAlerts(withoutWebhook, chatUrl));
    expect(message).toBe(
      ["Pulumi.production.yaml has 1 configuration problem:", pagerProblem].join("\n"),
    );
    // Secret values are never printed.
    expect(message).not.toContain("secretpart");
    expect(() =>
      validateConfig(productionWithAlerts(withoutWebhook, { ...pagerKey, ...chatUrl })),
    ).not.toThrow();
  });

  test("the webhook or the sink alone delivers every routed alert", () => {
    expect(() => validateConfig(productionWith())).not.toThrow();
    const sinkOnly = productionWithAlerts((monitoring) => {
      withoutWebhook(monitoring);
      monitoring.alertSink = true;
    });
    expect(validateConfig(sinkOnly).monitoring).toMatchObject({
      alertSink: true,
      alertWebhookUrl: "",
    });
  });

  test("every stack file delivers its alerts as it stands; dev through the local sink", () => {
    expect(validateConfig(stackInput("dev")).monitoring).toMatchObject({ alertSink: true });
    for (const stack of ["staging", "production"]) {
      expect(validateConfig(stackInput(stack)).monitoring).toMatchObject({
        alertSink: false,
        alertWebhookUrl: "https://alerts.toolboxai.example/alertmanager",
      });
    }
  });

  test("the rule is pure: each receiver checked on its own", () => {
    const monitoring = { alertWebhookUrl: "", alertSink: false } as never;
    const keys = (pager: string, chat: string) =>
      alertDeliveryProblems({
        monitoring,
        alertPagerRoutingKey: pager,
        alertChatWebhookUrl: chat,
      }).map((problem) => [problem.key, problem.shownValue]);
    expect(keys("", "")).toEqual([
      ["toolboxai:alertPagerRoutingKey", undefined],
      ["toolboxai:alertChatWebhookUrl", undefined],
    ]);
    expect(keys("k".repeat(16), "")).toEqual([["toolboxai:alertChatWebhookUrl", undefined]]);
    expect(keys("k".repeat(16), "u".repeat(16))).toEqual([]);
  });
});

describe("monitoring.alertWebhookUrl carries no credential", () => {
  const plainTextFix =
    "it would be rendered in plain text into Alertmanager's configuration; give the URL " +
    "without it, and the endpoint's token with `pulumi config set --secret alertWebhookToken " +
    "< token.txt` (sent as a bearer token)";
  const refusal = (url: string) =>
    messageOf(productionWithAlerts((monitoring) => (monitoring.alertWebhookUrl = url)));

  test("a user:password part is refused without printing it, with the token's key", () => {
    const message = refusal("https://oncall:hunter2secret@alerts.school.test/am");
    expect(message).toBe(
      "Pulumi.production.yaml has 1 configuration problem:\n" +
        '  toolboxai:monitoring.alertWebhookUrl = "https://[user:password]@alerts.school.test/am": ' +
        `has a user:password part: ${plainTextFix}`,
    );
    expect(message).not.toMatch(/oncall|hunter2/);
  });

  test("a query string is refused without printing it", () => {
    const message = refusal("https://alerts.school.test/am?token=abcdef123456");
    expect(message).toBe(
      "Pulumi.production.yaml has 1 configuration problem:\n" +
        '  toolboxai:monitoring.alertWebhookUrl = "https://alerts.school.test/am?[query]": ' +
        `has a query string: a token in it ${plainTextFix.replace(/^it /, "")}`,
    );
    expect(message).not.toContain("abcdef");
  });

  test("anything but an http(s) URL with a host is refused with an example", () => {
    for (const url of ["alerts.school.test/am", "ftp://alerts.school.test/", "https://", "x y"]) {
      expect(alertWebhookUrlProblems(url)).toEqual([
        {
          key: "toolboxai:monitoring.alertWebhookUrl",
          shownValue: JSON.stringify(url),
          message:
            "must be an http:// or https:// URL with a host and no fragment, such as " +
            "https://alerts.example.com/alertmanager",
        },
      ]);
    }
    for (const url of ["", "https://alerts.school.test", "http://router.internal:9000/hook/a"]) {
      expect(alertWebhookUrlProblems(url)).toEqual([]);
    }
  });

  test("the shown URL hides a user:password part and a query, whatever the scheme", () => {
    expect(shownWebhookUrl("ftp://u:p@h/x?y=1")).toBe('"ftp://[user:password]@h/x?[query]"');
    expect(shownWebhookUrl("https://h/x")).toBe('"https://h/x"');
  });

  test("the webhook's token without the webhook is read by nothing", () => {
    const input = productionWithAlerts(withoutWebhook, {
      alertWebhookToken: "bearer-token-0123456789",
      alertPagerRoutingKey: "pager-routing-key-0123456789",
      alertChatWebhookUrl: "https://hooks.chat.test/services/T0/B0/x",
    });
    const message = messageOf(input);
    expect(message).toBe(
      "Pulumi.production.yaml has 1 configuration problem:\n" +
        "  toolboxai:alertWebhookToken = [secret]: is set, but monitoring.alertWebhookUrl is " +
        "empty: nothing reads it; set the URL it is for, or remove it",
    );
    expect(message).not.toContain("bearer-token");
  });
});
