// Findings of independent auditing tools (kube-score, Checkov) on rendered manifests, and their
// comparison with the checked-in baseline: every finding is fixed or listed with a reason; a new
// finding, or a baseline entry that no longer matches anything, fails the audit.

/* eslint-disable @typescript-eslint/no-explicit-any -- tool output is untyped JSON */

export interface Finding {
  readonly tool: "kube-score" | "checkov";
  readonly check: string;
  /** `Kind/name`, the same in every stack's namespace. */
  readonly object: string;
  readonly message: string;
}

export interface BaselineEntry {
  readonly tool: Finding["tool"];
  readonly check: string;
  /** `Kind/name` entries, or ["*"] for every object the check flags. */
  readonly objects: readonly string[];
  /** Stacks the entry applies to; omitted: all. */
  readonly stacks?: readonly string[];
  readonly reason: string;
}

/** kube-score `--output-format json`: every non-skipped check graded below OK (10). */
export function kubeScoreFindings(report: any[]): Finding[] {
  return report.flatMap((object) =>
    (object.checks ?? [])
      .filter((check: any) => !check.skipped && check.grade < 10)
      .map((check: any) => ({
        tool: "kube-score" as const,
        check: check.check.id,
        object: `${object.type_meta.kind}/${object.object_meta.name}`,
        message: (check.comments ?? []).map((comment: any) => comment.summary).join("; "),
      })),
  );
}

/** Checkov `-o json` for the kubernetes framework: each failed check ("Kind.namespace.name"). */
export function checkovFindings(report: any): Finding[] {
  const results = Array.isArray(report) ? report : [report];
  return results.flatMap((result) =>
    (result.results?.failed_checks ?? []).map((failed: any) => {
      const [kind, ...rest] = String(failed.resource).split(".");
      return {
        tool: "checkov" as const,
        check: failed.check_id,
        object: `${kind}/${rest.slice(1).join(".") || rest[0]}`,
        message: failed.check_name,
      };
    }),
  );
}

function matches(entry: BaselineEntry, finding: Finding, stack: string): boolean {
  return (
    entry.tool === finding.tool &&
    entry.check === finding.check &&
    (entry.stacks === undefined || entry.stacks.includes(stack)) &&
    (entry.objects.includes("*") || entry.objects.includes(finding.object))
  );
}

export interface Comparison {
  /** Findings no baseline entry explains: each fails the audit. */
  readonly unexplained: readonly (Finding & { readonly stack: string })[];
  /** Baseline entries that matched nothing in any stack: stale, they fail too. */
  readonly stale: readonly BaselineEntry[];
  readonly explained: number;
}

export function compareWithBaseline(
  findingsByStack: Readonly<Record<string, readonly Finding[]>>,
  baseline: readonly BaselineEntry[],
): Comparison {
  const used = new Set<BaselineEntry>();
  const unexplained: (Finding & { stack: string })[] = [];
  let explained = 0;
  for (const [stack, findings] of Object.entries(findingsByStack)) {
    for (const finding of findings) {
      const entry = baseline.find((candidate) => matches(candidate, finding, stack));
      if (entry) {
        used.add(entry);
        explained += 1;
      } else {
        unexplained.push({ ...finding, stack });
      }
    }
  }
  return { unexplained, stale: baseline.filter((entry) => !used.has(entry)), explained };
}
