package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

func TestFlowerConfig(t *testing.T) {
	dir := t.TempDir()
	// What components/app/celery.ts flowerConfig renders.
	creds, err := LoadFlowerConfig(writeSecret(t, dir, "ok", "basic_auth = [\"admin:s3cret-flower-pw\"]\n"))
	if err != nil || len(creds) != 1 || creds[0] != "admin:s3cret-flower-pw" {
		t.Fatalf("%v %v", creds, err)
	}
	for name, content := range map[string]string{
		"none":     "port = 5555\n",
		"bad-list": "basic_auth = ['admin:s3cret-flower-pw']\n",
		"no-colon": "basic_auth = [\"s3cret-flower-pw\"]\n",
	} {
		p := writeSecret(t, dir, name, content)
		_, err := LoadFlowerConfig(p)
		if err == nil {
			t.Errorf("%s accepted", name)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := LoadFlowerConfig(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing: %v", err)
	}
}

func TestFlowerEndpoints(t *testing.T) {
	m := newFakeRedis(t)
	broker, _ := brokers(t, fakeEnv(t, m))
	f := NewFlower(5555, []string{"admin:pw"}, broker, testLogger(nil))
	f.metrics.Observe(Event{Type: "task-succeeded", Hostname: "celery@w", Name: "t", Runtime: 0.02})
	f.metrics.Observe(Event{Type: "worker-online", Hostname: "celery@w"})
	ts := httptest.NewServer(f.Handler())
	defer ts.Close()

	if code, body := get(t, ts.URL+"/healthcheck"); code != 200 || body != "OK" {
		t.Fatalf("healthcheck: %d %s", code, body)
	}
	code, body := get(t, ts.URL+"/metrics") // Prometheus scrapes without credentials
	if code != 200 {
		t.Fatalf("metrics: %d", code)
	}
	for _, want := range []string{
		`flower_events_total{task="t",type="task-succeeded",worker="celery@w"} 1`,
		`flower_worker_online{worker="celery@w"} 1`,
		`flower_task_runtime_seconds_count{task="t",worker="celery@w"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if code, _ := get(t, ts.URL+"/"); code != http.StatusUnauthorized {
		t.Fatalf("/ without credentials: %d", code)
	}
	req, _ := http.NewRequest("GET", ts.URL+"/api/workers", nil)
	req.SetBasicAuth("admin", "wrong")
	resp, _ := http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	req.SetBasicAuth("admin", "pw")
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("right password: %d", resp.StatusCode)
	}
	m.Close()
	if code, _ := get(t, ts.URL+"/healthcheck"); code != http.StatusServiceUnavailable {
		t.Fatalf("healthcheck with the broker down: %d", code)
	}
}
