// What `npm run policy` reports of a run: the summary (counts, passed or not) and the text a
// reader sees, laid out as `pulumi preview` prints policy violations. Pure: tools/policy.ts runs
// the pack and writes what these return.
import type { Finding } from "../policies/runner";
import type { UnmodelledDocument } from "../policies/runner/manifests";
import type { Profile } from "../policies/runner/profiles";
import { packName } from "../policies/pack";
import type { Palette } from "./command-io";

export interface UnmodelledReport extends Omit<UnmodelledDocument, "urn"> {
  /** The policies that read the document; empty when none did. */
  readonly readBy: readonly string[];
}

export interface Summary {
  readonly checked: number;
  readonly unmodelled: number;
  readonly mandatory: number;
  readonly advisory: number;
  /** With --profile: the advisory violations of policies the profile made advisory. */
  readonly relaxedByProfile?: number;
  readonly passed: boolean;
}

/** A finding, marked when it is advisory only because the profile made its policy so. */
export type ReportedFinding = Finding & { readonly relaxedBy?: string };

export function summaryOf(
  findings: readonly ReportedFinding[],
  checked: number,
  unmodelled: readonly UnmodelledReport[],
  profile: Profile | undefined,
): Summary {
  const count = (level: string) =>
    findings.filter((finding) => finding.enforcement === level).length;
  return {
    checked,
    unmodelled: unmodelled.length,
    mandatory: count("mandatory"),
    advisory: count("advisory"),
    ...(profile
      ? { relaxedByProfile: findings.filter((finding) => finding.relaxedBy).length }
      : {}),
    passed: count("mandatory") === 0,
  };
}

export function textReport(
  findings: readonly ReportedFinding[],
  unmodelled: readonly UnmodelledReport[],
  summary: Summary,
  label: string,
  unit: string,
  preambleLines: readonly string[],
  style: Palette,
): string {
  const lines = [
    ...preambleLines,
    style.bold("Policies:"),
    `    ${summary.passed ? "✅" : "❌"} ${packName} (local: policies) on ${label}`,
  ];
  const ordered = [...findings].sort(
    (a, b) =>
      Number(b.enforcement === "mandatory") - Number(a.enforcement === "mandatory") ||
      a.policy.localeCompare(b.policy),
  );
  for (const finding of ordered) {
    const level =
      finding.enforcement === "mandatory"
        ? style.red("[mandatory]")
        : style.yellow(`[${finding.enforcement}]`);
    const resource = finding.resource
      ? `  (${finding.resource.type}: ${finding.resource.name}` +
        (finding.resource.source ? `, ${finding.resource.source})` : ")")
      : "";
    const relaxed = finding.relaxedBy ? ` (profile ${finding.relaxedBy})` : "";
    lines.push(
      `        - ${level}  [severity: ${finding.severity ?? "none"}]  ${finding.policy}` +
        `${style.dim(relaxed + resource)}`,
      `          ${finding.message}`,
    );
  }
  if (unmodelled.length > 0) {
    lines.push(
      style.dim("    Kinds this pack does not model, read only by the generic rules:"),
      ...unmodelled.map((document) =>
        style.dim(
          `        - ${document.file} document ${document.index}` +
            (document.item === undefined ? "" : ` item ${document.item}`) +
            `: ${document.apiVersion} ` +
            `${document.kind} ${document.name}: ` +
            (document.readBy.length ? document.readBy.join(", ") : "read by no policy"),
        ),
      ),
    );
  }
  lines.push(
    "",
    `${summary.mandatory} mandatory, ${summary.advisory} advisory violation(s) in ` +
      `${summary.checked} ${unit}(s)` +
      (unmodelled.length ? `, ${unmodelled.length} of them read only by the generic rules` : "") +
      (summary.relaxedByProfile
        ? `; ${summary.relaxedByProfile} of the advisory ones from policies the profile made advisory`
        : ""),
  );
  return `${lines.join("\n")}\n`;
}
