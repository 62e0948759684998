// The workloads on Kubernetes: no crash loops, every replica available.
import type { RuleSpec } from "./rule";

export function kubernetesRules(): RuleSpec[] {
  return [
    {
      alert: "PodCrashLooping",
      expr: 'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[5m]) >= 1',
      for: "15m",
      severity: "warning",
      source: "kube-state-metrics",
      service: "{{ $labels.container }}",
      summary:
        "Container {{ $labels.namespace }}/{{ $labels.pod }}/{{ $labels.container }} is crash looping",
      description: "The container keeps exiting and Kubernetes keeps backing off its restarts.",
    },
    {
      alert: "ReplicasUnavailable",
      expr: "kube_deployment_spec_replicas > kube_deployment_status_replicas_available",
      for: "15m",
      severity: "warning",
      source: "kube-state-metrics",
      service: "{{ $labels.deployment }}",
      summary:
        "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has unavailable replicas",
      description: "Fewer replicas are available than the Deployment asks for, for 15 minutes.",
    },
  ];
}
