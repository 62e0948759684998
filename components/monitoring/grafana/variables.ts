// The dashboards' template variables: the namespace (from Prometheus, on Kubernetes) and the app
// jobs.
import { datasourceUids } from "../grafana-config";
import { datasource, type CustomVariable, type QueryVariable, type Variable } from "./model";
import type { Labels } from "./promql";

export const namespaceVariable: QueryVariable = {
  type: "query",
  name: "namespace",
  label: "Namespace",
  datasource: datasource(datasourceUids.prometheus),
  query: "label_values(kube_pod_status_phase, namespace)",
  definition: "label_values(kube_pod_status_phase, namespace)",
  refresh: 1,
  includeAll: false,
  multi: false,
  sort: 1,
};

/** The namespace variable where series carry a namespace (Kubernetes), then the others. */
export function variablesOf(labels: Labels, ...others: Variable[]): Variable[] {
  return [...(labels.ns ? [namespaceVariable] : []), ...others];
}

export function jobVariable(appJobs: readonly string[]): CustomVariable {
  return {
    type: "custom",
    name: "job",
    label: "Job",
    // Grafana splits a custom variable's values at unescaped commas.
    query: appJobs.map((job) => job.replace(/,/g, "\\,")).join(","),
    includeAll: true,
    multi: true,
    current: { text: "All", value: "$__all" },
    options: [
      { text: "All", value: "$__all", selected: true },
      ...appJobs.map((job) => ({ text: job, value: job, selected: false })),
    ],
  };
}
