// The secret-scan helpers the policies build on.
import {
  isHostname,
  isImageReference,
  isIdentifierChain,
  isPlaceholder,
  isUnder,
  redact,
  secretAssignmentKey,
  secretEnvFinding,
  secretValueKind,
  shannonEntropy,
} from "../../../policies/lib/secret-scan";
import { describeEnvFinding } from "../../../policies/secrets";
import { fakeSecrets } from "../fixtures/secrets";

describe("helpers", () => {
  test("shannonEntropy", () => {
    expect(shannonEntropy("")).toBe(0);
    expect(shannonEntropy("aaaa")).toBe(0);
    expect(shannonEntropy("abcd")).toBe(2);
    expect(shannonEntropy("aabb")).toBe(1);
  });
  test("redact shows at most 4 characters", () => {
    expect(redact("hunter2hunter2")).toBe("hunt…");
    expect(redact("ab")).toBe("ab…");
  });
  test("isPlaceholder", () => {
    for (const value of [
      "$(DB_PASSWORD)",
      "${DB_PASSWORD}",
      "$DB_PASSWORD",
      "{{ .Values.x }}",
      // Grafana's provisioning references: the value is read from the file or variable.
      "$__file{/run/secrets/grafana-postgres-password}",
      "$__env{GF_DB_PASSWORD}",
    ]) {
      expect(isPlaceholder(value)).toBe(true);
    }
    expect(isPlaceholder("hunter2")).toBe(false);
  });
  test("isIdentifierChain: joined lowercase names, not random tokens", () => {
    for (const token of [
      "discovery.kubernetes.pods.targets",
      "kube_horizontalpodautoscaler_status_current_replicas",
      "backend|mcp-server|agent-coordinator|roblox-sync",
    ]) {
      expect({ token, chain: isIdentifierChain(token) }).toEqual({ token, chain: true });
      expect(secretValueKind(token)).toBeUndefined();
    }
    // Digits, capitals or a single long part stay in the entropy test.
    for (const token of [
      fakeSecrets.highEntropy,
      "abcdefghij-klmnopqrs-tuvwx1yz",
      "Abcdef.ghijkl",
    ]) {
      expect(isIdentifierChain(token)).toBe(false);
    }
    expect(isIdentifierChain("qwmzhtkpxvbnrsdlfjgycaeu")).toBe(false);
  });
  test("isHostname and isImageReference", () => {
    expect(isHostname("postgres.toolboxai.svc.cluster.local")).toBe(true);
    expect(isHostname("redis:6379")).toBe(false);
    expect(isImageReference("ghcr.io/toolboxai/backend:1.4.0")).toBe(true);
    expect(isImageReference("postgres")).toBe(false);
  });
  test("isUnder normalizes paths", () => {
    expect(isUnder("/run/secrets/x", "/run/secrets/")).toBe(true);
    expect(isUnder("/run/secrets", "/run/secrets/")).toBe(true);
    expect(isUnder("/run/secrets/../etc/passwd", "/run/secrets/")).toBe(false);
    expect(isUnder("/run/secretsfoo", "/run/secrets")).toBe(false);
  });
  test("secretAssignmentKey finds key = value, key: value and key value forms", () => {
    expect(secretAssignmentKey("requirepass hunter2hunter2")).toBe("requirepass");
    expect(secretAssignmentKey("  password = hunter2")).toBe("password");
    expect(secretAssignmentKey("api_token: abc")).toBe("api_token");
    expect(secretAssignmentKey('  "password": "x",')).toBe("password");
    expect(secretAssignmentKey("export DB_PASSWORD=x")).toBe("DB_PASSWORD");
    expect(secretAssignmentKey("export DB_PASSWORD='Tr0ub4dor3horse'")).toBe("DB_PASSWORD");
    expect(secretAssignmentKey("password:Tr0ub4dor3horse")).toBe("password");
    expect(secretAssignmentKey("  <password>Tr0ub4dor3horse</password>")).toBe("password");
    expect(secretAssignmentKey('<token kind="api">abc</token>')).toBe("token");
    expect(secretAssignmentKey("pwd=hunter2")).toBe("pwd");
    for (const line of [
      "# password = x",
      "password =",
      "password: ${DB_PASSWORD}",
      "password_file /run/secrets/x",
      "ssl_password_file /etc/keys/global.pass;",
      "password_encryption = scram-sha-256",
      "include /run/secrets/redis-auth.conf",
      "proxy_set_header X-Auth-Token $http_x_token;",
      "token_url: https://auth.example/token",
      "secret: true",
      // A shell script's computed values.
      "    token=$(printf '%s' \"$page\" | sed -n 's/^NextContinuationToken>//p')",
      "password=`cat /run/secrets/x`",
      // Prose: with a space as the separator the value is one word.
      "Token rotation happens daily",
      "<password></password>",
      "<password>${DB_PASSWORD}</password>",
      "<password_file>/run/secrets/db</password_file>",
      "proxy_pass backend;",
    ]) {
      expect(secretAssignmentKey(line)).toBeUndefined();
    }
  });
  test("references in a token are not literals; the literal text around them still counts", () => {
    for (const line of [
      '  curl --aws-sigv4 "aws:amz:$BACKUP_S3_REGION:s3" --config "$private_dir/curl-auth"',
      '  sha256sum "$partial" | sed "s|  .*|  $name|" >"$private_dir/$name.sha256"',
      '  storage_put "$stored.sha256" "$private_dir/${stored}.sha256"',
    ]) {
      expect({ line, kind: secretValueKind(line) }).toEqual({ line, kind: undefined });
    }
    // A secret written next to a reference is still found.
    expect(secretValueKind(`export KEY=\${PREFIX}${fakeSecrets.highEntropy}`)).toBe(
      "a high-entropy string",
    );
  });
  test("secretEnvFinding and describeEnvFinding", () => {
    expect(secretEnvFinding("DB_PASSWORD", "hunter2")).toEqual({ reason: "secret-name" });
    expect(secretEnvFinding("DB_PASSWORD", "")).toBeUndefined();
    // The shell's working directory is a path, not a password.
    expect(secretEnvFinding("PWD", "/app")).toBeUndefined();
    expect(secretEnvFinding("DB_PASSWORD", "$(OTHER_VAR)")).toBeUndefined();
    expect(secretEnvFinding("DB_PASSWORD_FILE", "/run/secrets/db")).toBeUndefined();
    expect(secretEnvFinding("DB_PASSWORD_FILE", "hunter2")).toEqual({ reason: "secret-name" });
    expect(secretEnvFinding("DB_PASSWORD_FILE", "/etc/db")).toEqual({
      reason: "file-outside-prefix",
      path: "/etc/db",
    });
    expect(secretEnvFinding("DB_PASSWORD_FILE", "/vault/db", { secretMountPrefix: "/vault" })).toBe(
      undefined,
    );
    expect(secretEnvFinding("OAUTH_TOKEN_ENDPOINT", "https://auth.example/token")).toBe(undefined);
    expect(secretEnvFinding("AWS_ID", fakeSecrets.awsAccessKeyId)).toEqual({
      reason: "secret-value",
      kind: "an AWS access key ID",
      preview: "AKIA…",
    });
    expect(describeEnvFinding("DB_PASSWORD_FILE", { reason: "secret-name" }, "/run/secrets/")).toBe(
      "env DB_PASSWORD_FILE has a literal value; remove it, mount the secret as a file under " +
        "/run/secrets/ and set DB_PASSWORD_FILE to its path",
    );
  });
});
