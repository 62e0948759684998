package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Integration: Redis through Sentinel, as production runs it, with REAL servers (miniredis has no
// Sentinel): a primary, two replicas and three Sentinels on 127.0.0.1 (production's shape), every
// one of them behind requirepass (the Sentinels too), then two failovers: one asked of a Sentinel,
// one after the primary is killed. The binaries are found as in
// integration_test.go (TOOLBOXAI_REDIS_BIN, else PATH; skipped without them unless
// REFERENCE_REQUIRE_SERVERS=1).

type sentinelCluster struct {
	master    string
	password  string
	redis     []string             // the servers: redis[0] starts as the primary
	servers   map[string]*exec.Cmd // their processes, by address
	sentinels []string             // host:port of each Sentinel
	procs     []*exec.Cmd          // the Sentinels' processes
	clients   map[string]*redis.Client
}

func writeConf(t *testing.T, dir, name string, lines ...string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func startSentinelCluster(t *testing.T, master, password string, replicas, sentinels int) *sentinelCluster {
	t.Helper()
	bin := redisServer(t)
	c := &sentinelCluster{master: master, password: password, servers: map[string]*exec.Cmd{}, clients: map[string]*redis.Client{}}
	for i := 0; i <= replicas; i++ {
		dir, port := t.TempDir(), freePort(t)
		lines := []string{"port " + port, "bind 127.0.0.1", "requirepass " + password, "masterauth " + password,
			`save ""`, "appendonly no", "dir " + dir,
			"repl-diskless-sync-delay 0"} // a full sync starts at once (default: waits 5 s for more replicas)
		if i > 0 {
			lines = append(lines, "replicaof 127.0.0.1 "+strings.TrimPrefix(c.redis[0], "127.0.0.1:"))
		}
		cmd := exec.Command(bin, writeConf(t, dir, "redis.conf", lines...))
		startProcess(t, cmd)
		addr := "127.0.0.1:" + port
		waitTCP(t, addr)
		c.redis = append(c.redis, addr)
		c.servers[addr] = cmd
	}
	primaryPort := strings.TrimPrefix(c.redis[0], "127.0.0.1:")
	quorum := sentinels/2 + 1
	for i := 0; i < sentinels; i++ {
		dir, port := t.TempDir(), freePort(t)
		// Sentinel rewrites its configuration file: a writable copy per Sentinel.
		conf := writeConf(t, dir, "sentinel.conf",
			"port "+port, "bind 127.0.0.1", "dir "+dir,
			"requirepass "+password, "sentinel sentinel-pass "+password,
			fmt.Sprintf("sentinel monitor %s 127.0.0.1 %s %d", master, primaryPort, quorum),
			"sentinel auth-pass "+master+" "+password,
			"sentinel down-after-milliseconds "+master+" 2000",
			"sentinel failover-timeout "+master+" 10000",
			"sentinel parallel-syncs "+master+" 1")
		cmd := exec.Command(bin, conf, "--sentinel")
		startProcess(t, cmd)
		addr := "127.0.0.1:" + port
		waitTCP(t, addr)
		c.sentinels = append(c.sentinels, addr)
		c.procs = append(c.procs, cmd)
	}
	c.waitSynced(t, c.sentinels, sentinels-1, replicas)
	return c
}

// waitSynced waits until each of the Sentinels knows the other ones and sees at least replicas
// replicas in sync with the primary.
func (c *sentinelCluster) waitSynced(t *testing.T, sentinels []string, others, replicas int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for _, addr := range sentinels {
		sc := c.sentinelClient(t, addr)
		for {
			known, _ := sc.Sentinels(context.Background(), c.master).Result()
			reps, _ := sc.Replicas(context.Background(), c.master).Result()
			synced := 0
			for _, r := range reps {
				if r["flags"] == "slave" && r["master-link-status"] == "ok" {
					synced++
				}
			}
			if len(known) == others && synced >= replicas {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("Sentinel %s never saw the set: %d other Sentinels, replicas %v", addr, len(known), reps)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func (c *sentinelCluster) sentinelClient(t *testing.T, addr string) *redis.SentinelClient {
	t.Helper()
	sc := redis.NewSentinelClient(&redis.Options{Addr: addr, Password: c.password})
	t.Cleanup(func() { sc.Close() })
	return sc
}

// direct is a plain client to one server (not through Sentinel), to see where data landed.
func (c *sentinelCluster) direct(t *testing.T, addr string, db int) *redis.Client {
	t.Helper()
	key := fmt.Sprintf("%s/%d", addr, db)
	if rc, ok := c.clients[key]; ok {
		return rc
	}
	rc := redis.NewClient(&redis.Options{Addr: addr, Password: c.password, DB: db})
	t.Cleanup(func() { rc.Close() })
	c.clients[key] = rc
	return rc
}

func (c *sentinelCluster) primary(t *testing.T, sc *redis.SentinelClient) string {
	t.Helper()
	a, err := sc.GetMasterAddrByName(context.Background(), c.master).Result()
	if err != nil {
		t.Fatal(err)
	}
	return net.JoinHostPort(a[0], a[1])
}

// celeryURL is kombu's Sentinel form: one sentinel:// part per Sentinel.
func (c *sentinelCluster) celeryURL(db int) string {
	parts := make([]string, len(c.sentinels))
	for i, s := range c.sentinels {
		parts[i] = fmt.Sprintf("sentinel://:%s@%s/%d", c.password, s, db)
	}
	return strings.Join(parts, ";")
}

func (c *sentinelCluster) env(t *testing.T, extra ...string) []string {
	t.Helper()
	dir := t.TempDir()
	return append([]string{
		"OTEL_SERVICE_NAME=backend", "PORT=8009",
		"REDIS_SENTINEL_HOSTS=" + strings.Join(c.sentinels, ","), "REDIS_SENTINEL_MASTER=" + c.master,
		"REDIS_PASSWORD_FILE=" + writeSecret(t, dir, "redis-password", c.password),
		"APP_SECRET_KEY_FILE=" + writeSecret(t, dir, "app-secret-key", "sentinel-it-app-key"),
		"CELERY_BROKER_URL_FILE=" + writeSecret(t, dir, "celery-broker-url", c.celeryURL(0)),
		"CELERY_RESULT_BACKEND_FILE=" + writeSecret(t, dir, "celery-result-backend", c.celeryURL(1)),
	}, extra...)
}

func login(t *testing.T, base string) bool {
	t.Helper()
	resp, err := http.Post(base+"/api/auth/login", "application/json", strings.NewReader(`{"username":"it","password":"it"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func healthUp(t *testing.T, base string) bool {
	t.Helper()
	code, body := get(t, base+"/health")
	return code == http.StatusOK && strings.Contains(body, `"redis":{"status":"up"`)
}

// healing is what a failover is measured by, from its start: when the Sentinels name another
// primary, when a write through the service's own client lands on it, when /health is up again
// (and whether /health said 503 in between).
type healing struct {
	switched, wrote, healthy time.Duration
	sawDown                  bool
}

func (c *sentinelCluster) waitHealed(t *testing.T, sc *redis.SentinelClient, srv *Server, base, oldPrimary string, start time.Time) (string, healing) {
	t.Helper()
	ctx := context.Background()
	var h healing
	newPrimary := ""
	for i := 0; h.switched == 0 || h.wrote == 0 || h.healthy == 0; i++ {
		if time.Since(start) > 30*time.Second {
			t.Fatalf("not healed 30 s after the failover began: %+v", h)
		}
		if h.switched == 0 {
			if a, err := sc.GetMasterAddrByName(ctx, c.master).Result(); err == nil && net.JoinHostPort(a[0], a[1]) != oldPrimary {
				newPrimary, h.switched = net.JoinHostPort(a[0], a[1]), time.Since(start)
			}
		}
		if h.switched != 0 && h.wrote == 0 {
			key := fmt.Sprintf("sentinel-it:probe:%d", i)
			c2, cancel := context.WithTimeout(ctx, 2*time.Second)
			if srv.deps.Redis.Set(c2, key, "x", time.Minute).Err() == nil && c.direct(t, newPrimary, 0).Exists(ctx, key).Val() == 1 {
				h.wrote = time.Since(start)
			}
			cancel()
		}
		if h.healthy == 0 {
			switch up := healthUp(t, base); {
			case !up:
				h.sawDown = true
			case h.switched != 0:
				h.healthy = time.Since(start)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if role, _ := c.direct(t, newPrimary, 0).Do(ctx, "ROLE").Slice(); len(role) == 0 || role[0] != "master" {
		t.Fatalf("the new primary's ROLE: %v", role)
	}
	return newPrimary, h
}

func TestIntegrationRedisSentinelFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping integration")
	}
	const password, master = "it-sentinel-password-6379", "toolboxai"
	c := startSentinelCluster(t, master, password, 2, 3)
	env := c.env(t)
	ctx := context.Background()
	sc := c.sentinelClient(t, c.sentinels[1])
	primary := c.primary(t, sc)
	if primary != c.redis[0] {
		t.Fatalf("the Sentinels name %s, not %s", primary, c.redis[0])
	}
	if err := CheckRedisModes(envLookup(env), mustLoadSecrets(t, env)); err != nil {
		t.Fatal(err)
	}

	// The HTTP service: /health up through Sentinel, sessions written to the primary.
	srv, ts := newTestServer(t, env)
	if srv.deps.RedisWired.Mode != "sentinel" {
		t.Fatalf("wiring: %+v", srv.deps.RedisWired)
	}
	if code, body := get(t, ts.URL+"/health"); code != 200 || !strings.Contains(body, `"redis":{"status":"up"`) {
		t.Fatalf("/health: %d %s", code, body)
	}
	sessionsOn := func(addr string) int64 { return c.direct(t, addr, 0).ZCard(ctx, sessionsKey).Val() }
	if !login(t, ts.URL) || sessionsOn(primary) != 1 {
		t.Fatalf("login through Sentinel: %d sessions on the primary", sessionsOn(primary))
	}

	// The Celery roles with kombu's sentinel:// URLs: worker, beat, result backend, inspect ping.
	shortTimings(t)
	broker, results := brokers(t, env)
	wctx, stopWorker := context.WithCancel(ctx)
	workerDone := make(chan struct{})
	workerLog := &syncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("worker log:\n%s", workerLog.String())
		}
	})
	w := &Worker{Node: "celery@sentinel-it", Broker: broker, Results: results, Log: testLogger(workerLog)}
	go func() { _ = w.Run(wctx); close(workerDone) }()
	defer func() { stopWorker(); <-workerDone }()
	waitFor(t, "the worker's heartbeat", func() bool { return broker.ZScore(ctx, workersKey, w.Node).Err() == nil })
	flower := NewFlower(0, []string{"admin:pw"}, broker, testLogger(nil))
	go flower.Consume(wctx)
	fts := httptest.NewServer(flower.Handler())
	defer fts.Close()
	pingThroughRun := func() (int, string) {
		var stdout, stderr bytes.Buffer
		code := run(ctx, []string{"celery", "-A", "app.celery_app", "inspect", "ping", "-d", w.Node, "--timeout", "5"}, env, &stdout, &stderr)
		return code, stdout.String() + stderr.String()
	}
	if code, out := pingThroughRun(); code != 0 {
		t.Fatalf("inspect ping through Sentinel: exit %d %s", code, out)
	}
	b := &Beat{Schedule: filepath.Join(t.TempDir(), "schedule"), Broker: broker, Log: testLogger(nil)}
	taskResults := func(addr string) int {
		keys, _ := c.direct(t, addr, 1).Keys(ctx, "celery-task-meta-*").Result()
		return len(keys)
	}
	// celeryHealed: the worker never returned; a task beat enqueues through the new primary is
	// run and its result lands there; the worker's healthcheck passes. Beat retries at its next
	// tick (as Celery's beat does): a Sentinel that has not heard of the switch yet can still
	// name the old primary for a second or two, so a tick may fail.
	celeryHealed := func(primary string) {
		t.Helper()
		select {
		case <-workerDone:
			t.Fatal("the worker stopped")
		default:
		}
		before := taskResults(primary)
		deadline := time.Now().Add(30 * time.Second)
		for next := time.Now(); taskResults(primary) == before; time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no new task result on the primary %s (queue: %d)", primary, c.direct(t, primary, 0).LLen(ctx, queueKey).Val())
			}
			if time.Now().After(next) {
				if err := b.Tick(ctx); err != nil {
					t.Fatal(err)
				}
				next = time.Now().Add(2 * time.Second)
			}
		}
		if code, out := pingThroughRun(); code != 0 {
			t.Fatalf("inspect ping: exit %d %s", code, out)
		}
		if code, body := get(t, fts.URL+"/healthcheck"); code != 200 {
			t.Fatalf("flower /healthcheck: %d %s", code, body)
		}
	}
	celeryHealed(primary)

	// 1. A failover asked of a Sentinel (SENTINEL FAILOVER: a switchover, the primary still up).
	start := time.Now()
	for {
		err := sc.Failover(ctx, master).Err()
		if err == nil {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("SENTINEL FAILOVER: %v", err)
		}
		time.Sleep(200 * time.Millisecond) // NOGOODSLAVE/INPROG: a replica not yet eligible
	}
	old := primary
	primary, h := c.waitHealed(t, sc, srv, ts.URL, old, start)
	t.Logf("SENTINEL FAILOVER %s -> %s: the Sentinels switched after %v, the service's writes on the new primary after %v, /health up after %v",
		old, primary, h.switched.Round(time.Millisecond), h.wrote.Round(time.Millisecond), h.healthy.Round(time.Millisecond))
	before := sessionsOn(primary)
	if !login(t, ts.URL) || sessionsOn(primary) != before+1 {
		t.Fatal("the session after the failover is not on the new primary")
	}
	celeryHealed(primary)
	t.Logf("Celery worker/beat/result backend healed %v after SENTINEL FAILOVER", time.Since(start).Round(time.Millisecond))

	// 2. The primary lost (killed): the Sentinels notice (down-after-milliseconds, 8 s here),
	// agree, elect a leader and promote a replica (the other one, reconfigured by the first
	// failover: the Sentinels demote the old primary only ~10-20 s later). About 10 s without a
	// primary: the service turns unready meanwhile, and nothing exits.
	c.waitSynced(t, c.sentinels, len(c.sentinels)-1, 1)
	for _, addr := range c.sentinels {
		if err := c.sentinelClient(t, addr).Set(ctx, master, "down-after-milliseconds", "8000").Err(); err != nil {
			t.Fatal(err)
		}
	}
	start = time.Now()
	if err := c.servers[primary].Process.Kill(); err != nil {
		t.Fatal(err)
	}
	old = primary
	primary, h = c.waitHealed(t, sc, srv, ts.URL, old, start)
	t.Logf("primary %s killed -> %s: the Sentinels switched after %v, the service's writes on the new primary after %v, /health up after %v",
		old, primary, h.switched.Round(time.Millisecond), h.wrote.Round(time.Millisecond), h.healthy.Round(time.Millisecond))
	if !h.sawDown {
		t.Fatal("/health never said 503 while there was no primary")
	}
	celeryHealed(primary)
	t.Logf("Celery worker/beat/result backend healed %v after the primary was killed", time.Since(start).Round(time.Millisecond))

	// One Sentinel of three down: a new client still finds the primary through the others.
	if err := c.procs[0].Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first Sentinel to stop", func() bool {
		conn, err := net.DialTimeout("tcp", c.sentinels[0], 200*time.Millisecond)
		if err == nil {
			conn.Close()
		}
		return err != nil
	})
	_, ts2 := newTestServer(t, env)
	if code, body := get(t, ts2.URL+"/health"); code != 200 || !strings.Contains(body, `"redis":{"status":"up"`) {
		t.Fatalf("/health with one Sentinel down: %d %s", code, body)
	}
}
