// The Grafana dashboards as code: the typed JSON model, the five dashboards and their analysis.
export type {
  CustomVariable,
  Dashboard,
  DatasourceRef,
  ExprTarget,
  FieldConfig,
  FieldOverride,
  GridPos,
  LogsOptions,
  Panel,
  PanelType,
  QueryVariable,
  SqlTarget,
  Target,
  Variable,
  VariableOption,
} from "./model";
export { gridColumns } from "./model";
export { dashboardMetricNames, prometheusExpressions } from "./analysis";
export { dashboardFiles, dashboards } from "./dashboards";
export { longestQueriesSql } from "./dashboards/database";
export type { DashboardOptions } from "./dashboards/options";
