package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func jsonLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not a JSON line: %q", sc.Text())
		}
		out = append(out, m)
	}
	return out
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]slog.Level{"DEBUG": slog.LevelDebug, "debug": slog.LevelDebug, "INFO": slog.LevelInfo,
		"WARNING": slog.LevelWarn, "ERROR": slog.LevelError, "CRITICAL": slog.LevelError} {
		if got, ok := ParseLevel(in); !ok || got != want {
			t.Errorf("%s: %v %v", in, got, ok)
		}
	}
	if _, ok := ParseLevel("LOUD"); ok {
		t.Error("LOUD accepted")
	}
}

func TestLogsAreJSONLevelledAndRedacted(t *testing.T) {
	dir := t.TempDir()
	secrets := mustLoadSecrets(t, []string{
		"JWT_SECRET_FILE=" + writeSecret(t, dir, "jwt", "jwt-top-secret-999"),
		"CELERY_BROKER_URL_FILE=" + writeSecret(t, dir, "b", "redis://:url-pass-777@redis:6379/0"),
	})
	var out bytes.Buffer
	tel, err := SetupTelemetry(context.Background(), "backend", "http", slog.LevelInfo, &out, secrets)
	if err != nil {
		t.Fatal(err)
	}
	tel.Logger.Debug("hidden at INFO")
	tel.Logger.Info("leak attempt jwt-top-secret-999", "url", "redis://:other@host url-pass-777",
		"err", errors.New("auth failed with jwt-top-secret-999"), slog.Group("g", "inner", "jwt-top-secret-999"))
	tel.Logger.With("conn", "url-pass-777").Warn("warned")
	lines := jsonLines(t, out.String())
	if len(lines) != 2 {
		t.Fatalf("want 2 lines (DEBUG filtered), got %d: %s", len(lines), out.String())
	}
	if lines[0]["level"] != "INFO" || lines[0]["service"] != "backend" || lines[0]["reference_service"] != true {
		t.Fatalf("%v", lines[0])
	}
	if strings.Contains(out.String(), "jwt-top-secret-999") || strings.Contains(out.String(), "url-pass-777") {
		t.Fatalf("secret in the log: %s", out.String())
	}
	if strings.Count(out.String(), redacted) < 5 {
		t.Fatalf("not everything redacted: %s", out.String())
	}
}

// A missing secret file stops the process with a JSON line naming the variable and the path.
func TestRunExitsOnMissingSecret(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "database-password")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"toolboxai-reference"}, []string{
		"OTEL_SERVICE_NAME=backend", "DATABASE_PASSWORD_FILE=" + missing,
		"JWT_SECRET_FILE=" + writeSecret(t, dir, "jwt", "jwt-content-not-to-show"),
	}, &stdout, &stderr)
	if code == 0 {
		t.Fatal("exit 0 with a missing secret")
	}
	lines := jsonLines(t, stderr.String())
	if len(lines) != 1 || !strings.Contains(lines[0]["error"].(string), "DATABASE_PASSWORD_FILE") ||
		!strings.Contains(lines[0]["error"].(string), missing) {
		t.Fatalf("%s", stderr.String())
	}
	if strings.Contains(stderr.String()+stdout.String(), "jwt-content-not-to-show") {
		t.Fatal("secret content printed")
	}
}

func TestRunRejectsBadArgv(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"celery", "-A", "app.celery_app", "frobnicate"}, nil, &stdout, &stderr); code != 2 {
		t.Fatalf("exit %d", code)
	}
}

// The worker healthcheck command, through run(): exit 69 when no worker answers.
func TestRunInspectPingWithoutWorker(t *testing.T) {
	m := newFakeRedis(t)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"celery", "-A", "app.celery_app", "inspect", "ping", "-d", "celery@nobody", "--timeout", "0.3"},
		fakeEnv(t, m), &stdout, &stderr)
	if code != exUnavailable || !strings.Contains(stdout.String(), "No nodes replied") {
		t.Fatalf("exit %d: %s %s", code, stdout.String(), stderr.String())
	}
}

// An HTTP role serves, and stops cleanly within a few seconds of SIGTERM (context cancel).
func TestRunServesAndShutsDownGracefully(t *testing.T) {
	m := newFakeRedis(t)
	port := closedPort(t)
	out := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"toolboxai-reference"}, fakeEnv(t, m, "OTEL_SERVICE_NAME=mcp-server", "PORT="+port), out, out)
	}()
	url := "http://127.0.0.1:" + port + "/health"
	waitFor(t, "the server", func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, out.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no shutdown within 5 s")
	}
	lines := jsonLines(t, out.String())
	if len(lines) < 3 || !strings.Contains(lines[0]["msg"].(string), "contract test") {
		t.Fatalf("%s", out.String())
	}
	if strings.Contains(out.String(), fakeRedisPassword) {
		t.Fatal("password in the log")
	}
}

func TestRunFlowerNeedsBasicAuth(t *testing.T) {
	m := newFakeRedis(t)
	dir := t.TempDir()
	conf := writeSecret(t, dir, "flower-config", "port = 5555\n")
	var out bytes.Buffer
	code := run(context.Background(), []string{"celery", "-A", "app.celery_app", "flower", "--port=" + closedPort(t), "--conf=" + conf},
		fakeEnv(t, m, "FLOWER_CONFIG_FILE="+conf), &out, &out)
	if code != 1 || !strings.Contains(out.String(), "basic_auth") {
		t.Fatalf("exit %d: %s", code, out.String())
	}
}
