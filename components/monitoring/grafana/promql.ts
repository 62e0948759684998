// PromQL helpers: the dashboards' label matchers and rate, quantile and error-share expressions.
export const ns = 'namespace="$namespace"';
export const jobs = 'job=~"$job"';
/** Pod containers only: cAdvisor's pod-level (container="") series would count twice. */
export const containers = `${ns}, container!=""`;

const rate = (metric: string, matchers: string) => `rate(${metric}{${matchers}}[$__rate_interval])`;
export const sumRate = (by: string, metric: string, matchers: string) =>
  `${by ? `sum by (${by}) ` : "sum"}(${rate(metric, matchers)})`;
export const quantile = (phi: number, by: string, family: string, matchers: string) =>
  `histogram_quantile(${phi}, sum by (${[by, "le"].filter(Boolean).join(", ")}) (${rate(`${family}_bucket`, matchers)}))`;

/** Requests answered with 5xx among all requests, per `by` (or in total). */
export const errorShare = (by: string, matchers: string) =>
  `${sumRate(by, "http_requests_total", `${matchers}, status=~"5.."`)} / ${sumRate(by, "http_requests_total", matchers)}`;
