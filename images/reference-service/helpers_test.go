package main

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// fakeRedisPassword guards the fake Redis, as requirepass guards the platform's.
const fakeRedisPassword = "fake-redis-password-1234"

// newFakeRedis starts miniredis: an in-process FAKE of Redis (not a real server) requiring the
// password, as the platform's Redis does.
func newFakeRedis(t *testing.T) *miniredis.Miniredis {
	t.Helper()
	m := miniredis.RunT(t)
	m.RequireAuth(fakeRedisPassword)
	return m
}

func fakeRedisClient(t *testing.T, m *miniredis.Miniredis, db int) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: m.Addr(), Password: fakeRedisPassword, DB: db})
	t.Cleanup(func() { c.Close() })
	return c
}

func writeSecret(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// fakeEnv writes the secret files a data-wired service gets and returns its environment.
func fakeEnv(t *testing.T, m *miniredis.Miniredis, extra ...string) []string {
	t.Helper()
	dir := t.TempDir()
	env := []string{
		"APP_SECRET_KEY_FILE=" + writeSecret(t, dir, "app-secret-key", "app-secret-key-value-0001\n"),
		"JWT_SECRET_FILE=" + writeSecret(t, dir, "jwt-secret", "jwt-secret-value-0002"),
		"REDIS_PASSWORD_FILE=" + writeSecret(t, dir, "redis-password", fakeRedisPassword),
		"DATABASE_PASSWORD_FILE=" + writeSecret(t, dir, "database-password", "database-password-0003"),
		"CELERY_BROKER_URL_FILE=" + writeSecret(t, dir, "celery-broker-url", fmt.Sprintf("redis://:%s@%s/0", fakeRedisPassword, m.Addr())),
		"CELERY_RESULT_BACKEND_FILE=" + writeSecret(t, dir, "celery-result-backend", fmt.Sprintf("redis://:%s@%s/1", fakeRedisPassword, m.Addr())),
		"REDIS_HOST=" + m.Host(),
		"REDIS_PORT=" + m.Port(),
		"LOG_LEVEL=DEBUG",
	}
	return append(env, extra...)
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testLogger(w io.Writer) *slog.Logger {
	if w == nil {
		w = io.Discard
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func mustLoadSecrets(t *testing.T, env []string) *Secrets {
	t.Helper()
	s, err := LoadSecrets(env)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
