package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Integration: the same checks against a REAL redis-server and PostgreSQL, when their binaries
// are installed (Debian: apt-get install redis-server postgresql; or TOOLBOXAI_REDIS_BIN, the
// folder of a redis-server). Skipped otherwise, and with -short; with REFERENCE_REQUIRE_SERVERS=1
// (CI) a missing server fails the test instead.

// unavailable skips the test, or fails it where the servers are required.
func unavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("REFERENCE_REQUIRE_SERVERS") == "1" {
		t.Fatalf("REFERENCE_REQUIRE_SERVERS=1: "+format, args...)
	}
	t.Skipf(format, args...)
}

func freePort(t *testing.T) string { return closedPort(t) }

func waitTCP(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never listened", addr)
}

func startProcess(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", cmd.Path, out.String())
		}
	})
}

// redisServer finds redis-server: in the folder TOOLBOXAI_REDIS_BIN names when it is set (the
// repository's Redis build: `bash scripts/images.sh bin redis` prints that folder), else on PATH
// (Debian's redis-server, as CI installs it).
func redisServer(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("TOOLBOXAI_REDIS_BIN"); dir != "" {
		bin := filepath.Join(dir, "redis-server")
		if fi, err := os.Stat(bin); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			t.Fatalf("TOOLBOXAI_REDIS_BIN=%s has no executable redis-server (bash scripts/images.sh bin redis prints the folder)", dir)
		}
		return bin
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		unavailable(t, "redis-server is not installed and TOOLBOXAI_REDIS_BIN is not set (TOOLBOXAI_REDIS_BIN=$(bash scripts/images.sh bin redis)): no real-Redis integration test")
	}
	return bin
}

func realRedis(t *testing.T, password string) string {
	t.Helper()
	bin := redisServer(t)
	port := freePort(t)
	startProcess(t, exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--requirepass", password,
		"--save", "", "--appendonly", "no", "--dir", t.TempDir()))
	waitTCP(t, "127.0.0.1:"+port)
	return port
}

func pgBinary(name string) (string, bool) {
	if p, err := exec.LookPath(name); err == nil {
		return p, true
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) > 0 {
		return matches[len(matches)-1], true
	}
	return "", false
}

// realPostgres runs initdb and postgres (as nobody when the test runs as root: PostgreSQL
// refuses root) with password authentication.
func realPostgres(t *testing.T, user, password string) string {
	t.Helper()
	initdb, ok1 := pgBinary("initdb")
	postgres, ok2 := pgBinary("postgres")
	if !ok1 || !ok2 {
		unavailable(t, "PostgreSQL is not installed: no real-PostgreSQL integration test")
	}
	dir, err := os.MkdirTemp("", "reference-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		cred = &syscall.Credential{Uid: 65534, Gid: 65534}
		if err := os.Chown(dir, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	pwfile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwfile, []byte(password+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	cmd := exec.Command(initdb, "-D", data, "-U", user, "--pwfile", pwfile, "-A", "scram-sha-256", "--no-sync")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		unavailable(t, "initdb failed here (%v): %s", err, out)
	}
	port := freePort(t)
	cmd = exec.Command(postgres, "-D", data, "-p", port, "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="+dir, "-c", "fsync=off")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	startProcess(t, cmd)
	waitTCP(t, "127.0.0.1:"+port)
	return port
}

func TestIntegrationRealRedisAndPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping integration")
	}
	const redisPW, dbPW = "it-redis-password-5150", "it-db-password-8080"
	rport := realRedis(t, redisPW)
	pport := realPostgres(t, "toolboxai", dbPW)

	dir := t.TempDir()
	env := []string{
		"OTEL_SERVICE_NAME=backend", "PORT=8009",
		"DATABASE_HOST=127.0.0.1", "DATABASE_PORT=" + pport, "DATABASE_NAME=postgres", "DATABASE_USER=toolboxai",
		"DATABASE_PASSWORD_FILE=" + writeSecret(t, dir, "database-password", dbPW),
		"REDIS_HOST=127.0.0.1", "REDIS_PORT=" + rport,
		"REDIS_PASSWORD_FILE=" + writeSecret(t, dir, "redis-password", redisPW),
		"APP_SECRET_KEY_FILE=" + writeSecret(t, dir, "app-secret-key", "it-app-key"),
		"CELERY_BROKER_URL_FILE=" + writeSecret(t, dir, "broker", fmt.Sprintf("redis://:%s@127.0.0.1:%s/0", redisPW, rport)),
		"CELERY_RESULT_BACKEND_FILE=" + writeSecret(t, dir, "results", fmt.Sprintf("redis://:%s@127.0.0.1:%s/1", redisPW, rport)),
	}
	_, ts := newTestServer(t, env)
	code, body := get(t, ts.URL+"/health")
	if code != 200 || !strings.Contains(body, `"database":{"status":"up"`) || !strings.Contains(body, `"redis":{"status":"up"`) {
		t.Fatalf("/health: %d %s", code, body)
	}
	for i := 0; i < 2; i++ {
		resp, err := http.Post(ts.URL+"/api/rows", "application/json", strings.NewReader(`{"note":"round trip"}`))
		if err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("insert: %v %v", err, resp)
		}
		resp.Body.Close()
	}
	_, body = get(t, ts.URL+"/api/rows/count")
	var cnt struct{ Count int }
	if json.Unmarshal([]byte(body), &cnt) != nil || cnt.Count != 2 {
		t.Fatalf("count: %s", body)
	}

	// Wrong credentials: unready, and the error names no password.
	bad := append([]string{}, env...)
	for i, kv := range bad {
		if strings.HasPrefix(kv, "DATABASE_PASSWORD_FILE=") {
			bad[i] = "DATABASE_PASSWORD_FILE=" + writeSecret(t, dir, "wrong", "it-wrong-password")
		}
	}
	_, ts2 := newTestServer(t, bad)
	code, body = get(t, ts2.URL+"/health")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "28P01") || strings.Contains(body, "it-wrong-password") {
		t.Fatalf("wrong password: %d %s", code, body)
	}

	// Celery roles against the real broker.
	shortTimings(t)
	stop := startWorker(t, env, "celery@it")
	defer stop()
	broker, results := brokers(t, env)
	ctx := context.Background()
	waitFor(t, "the heartbeat", func() bool { return broker.ZScore(ctx, workersKey, "celery@it").Err() == nil })
	var out bytes.Buffer
	if c := InspectPing(ctx, broker, []string{"celery@it"}, 2*time.Second, &out); c != 0 {
		t.Fatalf("ping: %d %s", c, out.String())
	}
	b := &Beat{Schedule: filepath.Join(dir, "schedule"), Broker: broker, Log: testLogger(nil)}
	if err := b.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the task result", func() bool {
		keys, _ := results.Keys(ctx, "celery-task-meta-*").Result()
		return len(keys) > 0
	})
}
