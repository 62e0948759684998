// PromQL helpers: the platform's label matchers, and rate, quantile and error-share expressions.
import type { PlatformKind } from "../../config/schema";

/** How a platform's series are selected and told apart. */
export interface Labels {
  /**
   * The namespace's series. Kubernetes jobs label each series with its pod's namespace, picked
   * by the `namespace` variable; Docker's carry no namespace (one stack per engine): empty.
   */
  readonly ns: string;
  /** The app jobs the `job` variable picks. */
  readonly jobs: string;
  /** Pod containers only: cAdvisor's pod-level (container="") series would count twice. */
  readonly containers: string;
  /** The label telling replicas apart: the pod on Kubernetes, the address on Docker. */
  readonly replica: "pod" | "instance";
  /** What a replica is called in titles and descriptions. */
  readonly replicaNoun: "pod" | "container";
}

export function labelsOf(platform: PlatformKind): Labels {
  const jobs = 'job=~"$job"';
  if (platform === "docker") {
    return { ns: "", jobs, containers: "", replica: "instance", replicaNoun: "container" };
  }
  const ns = 'namespace="$namespace"';
  return { ns, jobs, containers: `${ns}, container!=""`, replica: "pod", replicaNoun: "pod" };
}

/** The label matchers joined, the empty ones left out. */
export const matching = (...matchers: string[]) => matchers.filter(Boolean).join(", ");

/** `metric{matchers}`, or the bare metric without matchers. */
export const selector = (metric: string, matchers: string) =>
  matchers ? `${metric}{${matchers}}` : metric;

const rate = (metric: string, matchers: string) =>
  `rate(${selector(metric, matchers)}[$__rate_interval])`;
export const sumRate = (by: string, metric: string, matchers: string) =>
  `${by ? `sum by (${by}) ` : "sum"}(${rate(metric, matchers)})`;
export const quantile = (phi: number, by: string, family: string, matchers: string) =>
  `histogram_quantile(${phi}, sum by (${[by, "le"].filter(Boolean).join(", ")}) (${rate(`${family}_bucket`, matchers)}))`;

/** Requests answered with 5xx among all requests, per `by` (or in total). */
export const errorShare = (by: string, matchers: string) =>
  `${sumRate(by, "http_requests_total", matching(matchers, 'status=~"5.."'))} / ${sumRate(by, "http_requests_total", matchers)}`;
