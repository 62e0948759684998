// Backups (`toolboxai:backup`): recovery keys, retention, restore check, storage, and the
// recovery point objectives a schedule can meet.
import { X509Certificate } from "node:crypto";
import { z } from "zod";
import { dnsLabel, intRange, mapping, memory, urlWithoutCredentials } from "./primitives";

const ageRecipientMessage =
  "must be an age public key (age1 followed by 58 Bech32 characters, as `age-keygen -y` prints it)";
const bucketMessage = "must be an S3 bucket name: 3 to 63 lowercase letters, digits, '.' or '-'";
const endpointMessage =
  "must be an https:// URL of an S3-compatible service (http:// only for localhost)";
const certificatesMessage =
  "must be PEM certificates (-----BEGIN CERTIFICATE----- …), such as your CA's ca.crt";

/** A BEGIN line of a PEM private key, whatever its kind (`EC`, `RSA`, `ENCRYPTED`, `OPENSSH`). */
const privateKeyPattern = /-----BEGIN (?:[A-Z0-9]+ ){0,8}PRIVATE KEY-----/;
/** A PEM block: its label, from its BEGIN line to the END line with the same label. */
const pemBlockPattern = /-----BEGIN ([A-Z0-9 ]{1,64})-----[\s\S]*?-----END \1-----/g;

function isX509Certificate(pem: string): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}

/**
 * What is wrong with PEM text that must hold one or more X.509 certificates and nothing else
 * but whitespace between them; undefined when nothing is. Each block is read by node:crypto
 * (OpenSSL), as curl reads the file.
 */
export function pemCertificatesProblem(text: string): string | undefined {
  if (privateKeyPattern.test(text)) {
    return (
      "holds a private key (-----BEGIN … PRIVATE KEY-----): a private key does not belong here; " +
      "give only the CA's certificates (its ca.crt), and if this stack file was shared, replace " +
      "that key"
    );
  }
  const blocks = [...text.matchAll(pemBlockPattern)];
  const outside = text.replace(pemBlockPattern, "").trim();
  if (outside.includes("-----BEGIN CERTIFICATE-----")) {
    return `the last certificate has no -----END CERTIFICATE----- line (cut short?): ${certificatesMessage}`;
  }
  if (blocks.length === 0 || outside !== "") {
    return `${certificatesMessage}, with nothing else but whitespace between them`;
  }
  for (const [index, [block, label]] of blocks.entries()) {
    const which = `${index + 1} of ${blocks.length}`;
    if (label !== "CERTIFICATE") {
      return `block ${which} is -----BEGIN ${label}-----: ${certificatesMessage}`;
    }
    if (!isX509Certificate(block)) {
      return (
        `certificate ${which} is not a readable X.509 certificate (cut short or altered?): ` +
        certificatesMessage
      );
    }
  }
  return undefined;
}

/** Where backups are kept: a volume in the cluster, or an S3-compatible bucket outside it. */
export const backupStorageSchema = z.discriminatedUnion(
  "type",
  [
    z
      .object(
        {
          type: z.literal("volume"),
          size: memory.default("20Gi").meta({ description: "Size of the claim." }),
          storageClass: z
            .union([z.literal(""), dnsLabel])
            .default("")
            .meta({ description: "StorageClass of the claim; empty: the cluster's default." }),
        },
        mapping,
      )
      .strict()
      .meta({
        description:
          "The `backups` claim in the stack's namespace: lost with its cluster, so production " +
          "keeps its backups in a bucket in another account or region.",
      }),
    z
      .object(
        {
          type: z.literal("s3"),
          endpoint: urlWithoutCredentials(endpointMessage)
            .regex(/^(https:\/\/[^\s/]+|http:\/\/(localhost|127\.0\.0\.1)(:\d+)?)\/?$/, {
              error: endpointMessage,
            })
            .meta({
              description: "The S3-compatible service.",
              allowed: "`https://` URL without credentials; `http://` only for localhost",
            }),
          bucket: z
            .string({ error: bucketMessage })
            .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: bucketMessage })
            .meta({
              description: "The bucket.",
              allowed: "S3 bucket name: 3 to 63 lowercase letters, digits, `.` or `-`",
            }),
          region: z
            .string()
            .regex(/^[a-z0-9-]{2,32}$/, { error: "must be a region such as eu-west-1" })
            .default("us-east-1")
            .meta({ description: "The bucket's region, such as `eu-west-1`." }),
          prefix: z
            .string()
            .regex(/^([a-z0-9][a-z0-9._-]*\/)*$/, {
              error: "must be empty or folder names each ending in '/', such as production/",
            })
            .default("")
            .meta({
              description:
                "Folder inside the bucket, such as `production/`; empty for the bucket's root.",
              allowed: '`""` or folder names each ending in `/`',
            }),
          caCertificates: z
            .string({ error: certificatesMessage })
            // A CA bundle is a few KiB; the cap also bounds the PEM parsing's time.
            .max(65536, { error: "must be at most 64 KiB of PEM certificates (a CA's ca.crt)" })
            .refine((text) => pemCertificatesProblem(text) === undefined, {
              error: (issue) => pemCertificatesProblem(String(issue.input)),
            })
            .optional()
            .meta({
              description:
                "The CA certificates the endpoint's certificate is checked against (curl's " +
                "`--cacert`), for a MinIO or Ceph with a private CA; not set: the system's " +
                "trust store. Public: they go to the backup jobs in a ConfigMap.",
              allowed:
                "PEM text of one or more `-----BEGIN CERTIFICATE-----` blocks, no key, at most " +
                "64 KiB; with an `https://` endpoint only",
            }),
        },
        mapping,
      )
      .strict()
      .refine((s3) => s3.caCertificates === undefined || s3.endpoint.startsWith("https://"), {
        path: ["caCertificates"],
        error: (issue) =>
          `is set, but the endpoint is ${(issue.input as { endpoint: string }).endpoint}: CA ` +
          "certificates apply to https:// only; give an https:// endpoint or remove caCertificates",
      })
      .meta({
        description:
          "An S3-compatible bucket outside the cluster (path-style URLs, AWS Signature V4), " +
          "with `backupS3AccessKeyId` and `backupS3SecretAccessKey` set as secrets.",
      }),
  ],
  { error: "must have type: volume (with size, storageClass) or type: s3 (with endpoint, bucket)" },
);
const backupStorageDescription =
  "Where backups are kept: a volume in the cluster, or an S3-compatible bucket outside it.";
export type BackupStorage = z.output<typeof backupStorageSchema>;

/** Backups of PostgreSQL and Redis (`toolboxai:backup`, components/backup). */
export const backupSchema = z
  .object(
    {
      recipients: z
        .array(
          z
            .string({ error: ageRecipientMessage })
            .regex(/^age1[02-9ac-hj-np-z]{58}$/, { error: ageRecipientMessage }),
          {
            error: "must be a list of age public keys",
          },
        )
        .min(1, { error: "must list at least one age public key" })
        .max(10, { error: "must list at most 10 keys" })
        .meta({
          description:
            "Public keys the backups are encrypted to (the recovery keys). Their private keys " +
            "stay offline with the people who restore: they never enter the cluster.",
          allowed: "1 to 10 age public keys, `age1…` as `age-keygen -y` prints them",
        }),
      // The source design keeps backups 30 days.
      retentionDays: intRange(1, 3650)
        .default(30)
        .meta({ description: "Days a backup is kept before the backup job prunes it." }),
      verify: z
        .boolean({ error: "must be true or false" })
        .default(false)
        .meta({
          description:
            "Restore the newest PostgreSQL backup into a throwaway server every day, and check " +
            "it (`postgres-restore-check`; staging and production).",
        }),
      storage: backupStorageSchema
        .prefault({ type: "volume" })
        .meta({ description: backupStorageDescription }),
    },
    mapping,
  )
  .strict();
export type BackupSettings = z.output<typeof backupSchema>;

/** Recovery point objectives a backup schedule can meet exactly: a divisor of an hour or a day. */
export const recoveryPointObjectives = [
  5, 6, 10, 12, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440,
] as const;
