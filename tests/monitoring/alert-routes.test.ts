// The route walk of ./alert-routes.ts, and the proof that it catches the defect of issue 24
// part 5: on the configuration every stack rendered before (receivers without integrations), it
// fails. The stacks' own renders are checked in alert-routes-<stack>.test.ts.
import { alertmanagerConfig, receiverNames } from "../../components/monitoring/alertmanager";
import { receiversWithoutIntegration, routedReceivers } from "./alert-routes";

test("the route walk finds every receiver, nested ones included", () => {
  expect(
    routedReceivers({
      receiver: "a",
      routes: [{ receiver: "b", routes: [{ receiver: "c" }] }, { routes: [{ receiver: "a" }] }],
    }),
  ).toEqual(["a", "b", "c"]);
});

test("the check fails on the configuration the stacks rendered before: no integration at all", () => {
  expect(receiversWithoutIntegration(alertmanagerConfig({}))).toEqual([
    receiverNames.chat,
    receiverNames.pager,
  ]);
  // One integration is not enough when the other routed receiver has none.
  expect(
    receiversWithoutIntegration(alertmanagerConfig({ pagerRoutingKeyFile: "/run/secrets/k" })),
  ).toEqual([receiverNames.chat]);
});
