// The nodes: CPU, memory and disk space against the stack's thresholds.
import type { AlertSettings } from "./model";
import { ratio, type RuleSpec } from "./rule";

export function nodeRules(settings: AlertSettings): RuleSpec[] {
  const t = settings.thresholds;
  return [
    {
      alert: "HostHighCpu",
      expr: `1 - avg without (cpu, mode) (rate(node_cpu_seconds_total{mode="idle"}[5m])) > ${ratio(t.cpuPercent)}`,
      for: "10m",
      severity: "warning",
      service: "node",
      source: "node-exporter",
      summary: `Node {{ $labels.instance }} CPU above ${t.cpuPercent}%`,
      description: "The node's CPU has been busier than the threshold for 10 minutes.",
    },
    {
      alert: "HostHighMemory",
      expr: `1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes > ${ratio(t.memoryPercent)}`,
      for: "5m",
      severity: "warning",
      service: "node",
      source: "node-exporter",
      summary: `Node {{ $labels.instance }} memory above ${t.memoryPercent}%`,
      description: "Memory in use on the node has been above the threshold for 5 minutes.",
    },
    {
      alert: "HostDiskAlmostFull",
      expr: `node_filesystem_avail_bytes{fstype!~"^(fuse.*|tmpfs|cifs|nfs)"} / node_filesystem_size_bytes < ${ratio(t.diskFreePercent)} and on (instance, device, mountpoint) node_filesystem_readonly == 0`,
      for: "2m",
      severity: "critical",
      service: "node",
      source: "node-exporter",
      summary: `Node {{ $labels.instance }} filesystem {{ $labels.mountpoint }} below ${t.diskFreePercent}% free`,
      description:
        "A writable filesystem on {{ $labels.device }} has less free space than the threshold.",
    },
  ];
}
