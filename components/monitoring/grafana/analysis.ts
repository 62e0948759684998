// What the dashboards query, for the tests: their PromQL expressions and the metric names in them.
import { datasourceUids } from "../grafana-config";
import { metricNamesOf } from "../metrics-catalog";
import type { Dashboard, DatasourceRef } from "./model";

const isPrometheus = (ref: DatasourceRef) => ref.uid === datasourceUids.prometheus;

/** Every PromQL expression of the dashboards' panels. */
export function prometheusExpressions(list: readonly Dashboard[]): string[] {
  return list.flatMap((item) =>
    item.panels.flatMap((each) =>
      each.targets.flatMap((t) => ("expr" in t && isPrometheus(t.datasource) ? [t.expr] : [])),
    ),
  );
}

/** The series selector of a `label_values(selector, label)` variable query. */
function variableSelector(query: string): string | undefined {
  return /^label_values\((.+),\s*[a-zA-Z_][a-zA-Z0-9_]*\)$/.exec(query.trim())?.[1];
}

/** The metric names the dashboards query: their PromQL targets' and variables'. */
export function dashboardMetricNames(list: readonly Dashboard[]): string[] {
  const selectors = list.flatMap((item) =>
    item.templating.list.flatMap((variable) => {
      if (variable.type !== "query" || !isPrometheus(variable.datasource)) return [];
      const selector = variableSelector(variable.query);
      return selector === undefined ? [] : [selector];
    }),
  );
  return [...new Set([...prometheusExpressions(list), ...selectors].flatMap(metricNamesOf))].sort();
}
