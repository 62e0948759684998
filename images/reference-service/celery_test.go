package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func shortTimings(t *testing.T) {
	t.Helper()
	hb, st, bi, pt := heartbeatInterval, heartbeatStale, beatInterval, pollTimeout
	heartbeatInterval, heartbeatStale, beatInterval, pollTimeout = 100*time.Millisecond, 2*time.Second, 200*time.Millisecond, time.Second
	t.Cleanup(func() { heartbeatInterval, heartbeatStale, beatInterval, pollTimeout = hb, st, bi, pt })
}

func brokers(t *testing.T, env []string) (*redis.Client, *redis.Client) {
	t.Helper()
	b, r, err := BrokerClients(mustLoadSecrets(t, env), envLookup(env))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close(); r.Close() })
	return b, r
}

func startWorker(t *testing.T, env []string, node string) (stop func()) {
	t.Helper()
	b, r := brokers(t, env)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	w := &Worker{Node: node, Broker: b, Results: r, Log: testLogger(nil)}
	go func() { _ = w.Run(ctx); close(done) }()
	return func() { cancel(); <-done }
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// The worker healthcheck `celery inspect ping -d celery@$HOSTNAME` exits 0 only while that
// worker answers.
func TestInspectPingExitCodes(t *testing.T) {
	shortTimings(t)
	m := newFakeRedis(t)
	env := fakeEnv(t, m)
	broker, _ := brokers(t, env)
	ctx := context.Background()

	var out bytes.Buffer
	if code := InspectPing(ctx, broker, []string{"celery@w1"}, 300*time.Millisecond, &out); code != exUnavailable {
		t.Fatalf("no worker: exit %d, %s", code, out.String())
	}
	stop := startWorker(t, env, "celery@w1")
	waitFor(t, "the heartbeat", func() bool { return broker.ZScore(ctx, workersKey, "celery@w1").Err() == nil })

	out.Reset()
	start := time.Now()
	if code := InspectPing(ctx, broker, []string{"celery@w1"}, 5*time.Second, &out); code != 0 || !strings.Contains(out.String(), "->  celery@w1: OK") {
		t.Fatalf("live worker: exit %d, %s", code, out.String())
	}
	if time.Since(start) > 3*time.Second {
		t.Fatal("ping with a destination must return once it replied, not at the timeout")
	}
	out.Reset()
	if code := InspectPing(ctx, broker, []string{"celery@other-host"}, 300*time.Millisecond, &out); code != exUnavailable {
		t.Fatalf("another node: exit %d", code)
	}
	out.Reset()
	// `celery status` without a destination collects replies for the whole timeout, as Celery.
	start = time.Now()
	if code := Status(ctx, broker, nil, time.Second, &out); code != 0 || !strings.Contains(out.String(), "celery@w1: OK") {
		t.Fatalf("status: %d %s", code, out.String())
	}
	if time.Since(start) < 900*time.Millisecond {
		t.Fatal("status returned before its timeout: Celery waits for every node's reply until then")
	}

	stop() // SIGTERM: the worker deregisters at once
	start = time.Now()
	if code := InspectPing(ctx, broker, []string{"celery@w1"}, 2*time.Second, &out); code != exUnavailable {
		t.Fatalf("stopped worker: exit %d", code)
	}
	if time.Since(start) > time.Second {
		t.Fatal("ping of a deregistered worker should fail fast, not wait for the timeout")
	}
	if code := Status(ctx, broker, nil, time.Second, &out); code != exUnavailable {
		t.Fatalf("status with no worker: %d", code)
	}
}

// A worker whose heartbeat is stale (killed, frozen) is not alive, and a live heartbeat without
// a consuming loop does not answer either.
func TestInspectPingStaleOrStuck(t *testing.T) {
	shortTimings(t)
	m := newFakeRedis(t)
	broker, _ := brokers(t, fakeEnv(t, m))
	ctx := context.Background()
	broker.ZAdd(ctx, workersKey, redis.Z{Score: float64(time.Now().Add(-time.Minute).Unix()), Member: "celery@stale"})
	start := time.Now()
	if code := InspectPing(ctx, broker, []string{"celery@stale"}, 3*time.Second, &bytes.Buffer{}); code != exUnavailable {
		t.Fatalf("stale: %d", code)
	}
	if time.Since(start) > time.Second {
		t.Fatal("a stale heartbeat must fail at once, not after the timeout")
	}
	broker.ZAdd(ctx, workersKey, redis.Z{Score: float64(time.Now().Unix()), Member: "celery@stuck"})
	if code := InspectPing(ctx, broker, []string{"celery@stuck"}, 300*time.Millisecond, &bytes.Buffer{}); code != exUnavailable {
		t.Fatalf("fresh heartbeat, nobody consuming: %d", code)
	}
}

func TestInspectPingBrokerDown(t *testing.T) {
	m := newFakeRedis(t)
	broker, _ := brokers(t, fakeEnv(t, m))
	m.Close()
	var out bytes.Buffer
	if code := InspectPing(context.Background(), broker, nil, 500*time.Millisecond, &out); code == 0 {
		t.Fatal("broker down: exit 0")
	}
}

// Beat writes its schedule at once and keeps it fresh; its task reaches the worker, whose
// result lands in the result backend and whose events feed Flower's families.
func TestBeatWorkerFlowerRoundTrip(t *testing.T) {
	shortTimings(t)
	m := newFakeRedis(t)
	env := fakeEnv(t, m)
	broker, results := brokers(t, env)
	schedule := filepath.Join(t.TempDir(), "celerybeat-schedule")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := &Beat{Schedule: schedule, Broker: broker, Log: testLogger(nil)}
	beatDone := make(chan error, 1)
	go func() { beatDone <- b.Run(ctx) }()
	waitFor(t, "a non-empty schedule file", func() bool { fi, err := os.Stat(schedule); return err == nil && fi.Size() > 0 })
	fi1, _ := os.Stat(schedule)
	waitFor(t, "the schedule to be rewritten", func() bool { fi, err := os.Stat(schedule); return err == nil && fi.ModTime().After(fi1.ModTime()) })
	var doc map[string]any
	data, _ := os.ReadFile(schedule)
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("schedule is not JSON: %v", err)
	}

	stopWorker := startWorker(t, env, "celery@w2")
	defer stopWorker()
	waitFor(t, "a task result", func() bool {
		keys, _ := results.Keys(ctx, "celery-task-meta-*").Result()
		return len(keys) > 0
	})
	keys, _ := results.Keys(ctx, "celery-task-meta-*").Result()
	meta, _ := results.Get(ctx, keys[0]).Result()
	if !strings.Contains(meta, `"status":"SUCCESS"`) {
		t.Fatalf("result: %s", meta)
	}

	f := NewFlower(0, []string{"admin:pw"}, broker, testLogger(nil))
	go f.Consume(ctx)
	waitFor(t, "flower families with values", func() bool {
		mfs, _ := f.reg.Gather()
		seen := map[string]bool{}
		for _, mf := range mfs {
			seen[mf.GetName()] = len(mf.GetMetric()) > 0
		}
		for _, fam := range FlowerFamilies {
			if !seen[fam] {
				return false
			}
		}
		return true
	})
	cancel()
	select {
	case err := <-beatDone:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("beat did not stop on cancel")
	}
}

func TestBeatScheduleUnwritableFails(t *testing.T) {
	b := &Beat{Schedule: filepath.Join(t.TempDir(), "no-such-dir", "schedule"), Log: testLogger(nil)}
	if err := b.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "no-such-dir") {
		t.Fatalf("err = %v", err)
	}
}

func TestTaskMessageCarriesTraceContext(t *testing.T) {
	id, payload, err := EncodeTask(context.Background(), checkTaskName, "test")
	if err != nil {
		t.Fatal(err)
	}
	task, gotID, _, err := DecodeTask(payload)
	if err != nil || task != checkTaskName || gotID != id {
		t.Fatalf("%s %s %v", task, gotID, err)
	}
	if _, _, _, err := DecodeTask([]byte(`{"headers":{}}`)); err == nil {
		t.Fatal("a message without task headers accepted")
	}
}
