package main

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
)

const sentinelTestPassword = "s3ntinel-hunter2-secret"

// Celery's Sentinel form: every part is checked, and no message quotes the content.
func TestSentinelURLValidationNeverEchoesTheURL(t *testing.T) {
	pw := sentinelTestPassword
	for _, c := range []struct{ url, want string }{
		{"sentinel://:" + pw + "@s1:26379/0;", "part 2 of 2 of the sentinel:// list is empty"},
		{"sentinel://:" + pw + "@s1:26379/0;;sentinel://:" + pw + "@s2:26379/0", "part 2 of 3 of the sentinel:// list is empty"},
		{"sentinel://:" + pw + "@s1:26379/0;redis://:" + pw + "@s2:6379/0", "part 2 of 2 of the sentinel:// list is not a sentinel:// URL"},
		{"sentinel://:" + pw + "@s1:26379/0; sentinel://:" + pw + "@s2:26379/0", "part 2 of 2 of the sentinel:// list is not a sentinel:// URL"},
		{"sentinel://:" + pw + "@s1/0", "part 1 of 1 of the sentinel:// list has no valid port"},
		{"sentinel://:" + pw + "@s1:0/0", "has no valid port"},
		{"sentinel://:" + pw + "@s1:99999/0", "has no valid port"},
		{"sentinel://:" + pw + "@s1:26x/0", "is not a valid URL"},
		{"sentinel://:" + pw + "@[::1/0", "is not a valid URL"},
		{"sentinel://:" + pw + "@:26379/0", "has no host"},
		{"sentinel://:" + pw + "@s1:26379/zero", "is not /<database number>"},
		{"sentinel://:" + pw + "@s1:26379/-1", "is not /<database number>"},
		{"sentinel://:" + pw + "@s1:26379/0/1", "is not /<database number>"},
		{"sentinel://:" + pw + "@s1:26379/0?master_name=mymaster", "has a query or fragment"},
		{"sentinel://:" + pw + "@s1:26379/0#" + pw, "has a query or fragment"},
		{"sentinel://:" + pw + "@s1:26379/0;sentinel://:other-" + pw + "@s2:26379/0", "part 2 of 2 of the sentinel:// list has other credentials than part 1"},
		{"sentinel://:" + pw + "@s1:26379/0;sentinel://s2:26379/0", "has other credentials than part 1"},
		{"sentinel://:" + pw + "@s1:26379/0;sentinel://:" + pw + "@s2:26379/1", "names another database than part 1"},
		{"sentinel://:" + pw + "@s1:26379/0;sentinel://:" + pw + "@s1:26379/0", "names the same Sentinel as part 1"},
		{"sentinel:" + pw, "content is not a redis://, rediss:// or sentinel:// URL"},
	} {
		dir := t.TempDir()
		s := mustLoadSecrets(t, []string{"CELERY_RESULT_BACKEND_FILE=" + writeSecret(t, dir, "results", c.url)})
		err := s.ValidateRedisURL("CELERY_RESULT_BACKEND_FILE")
		if err == nil {
			t.Errorf("accepted: %s", strings.ReplaceAll(c.url, pw, "***"))
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, "hunter2") || strings.Contains(msg, "s1") || strings.Contains(msg, "26379/") {
			t.Errorf("the message quotes the content: %s", msg)
		}
		if !strings.Contains(msg, "CELERY_RESULT_BACKEND_FILE") || !strings.Contains(msg, s.Path("CELERY_RESULT_BACKEND_FILE")) {
			t.Errorf("the message does not name the variable and its file: %s", msg)
		}
		if !strings.Contains(msg, c.want) {
			t.Errorf("want %q in: %s", c.want, msg)
		}
	}
}

func TestSentinelURLParsesKombusForm(t *testing.T) {
	raw := "sentinel://:p%40ss@redis-sentinel-0:26379/1;sentinel://:p%40ss@redis-sentinel-1:26379/1;sentinel://:p%40ss@[fd00::2]:26380/1"
	su, reason := ParseSentinelURL(raw)
	if reason != "" {
		t.Fatal(reason)
	}
	want := &SentinelURL{Addrs: []string{"redis-sentinel-0:26379", "redis-sentinel-1:26379", "[fd00::2]:26380"}, Password: "p@ss", DB: 1}
	if !reflect.DeepEqual(su, want) {
		t.Fatalf("%+v", su)
	}
	// No path: database 0, as kombu; a user name (ACL) is kept.
	su, reason = ParseSentinelURL("sentinel://celery:pw@s1:26379")
	if reason != "" || su.DB != 0 || su.Username != "celery" || su.Password != "pw" {
		t.Fatalf("%+v %s", su, reason)
	}
	// Every part's password is redacted from the logs.
	dir := t.TempDir()
	s := mustLoadSecrets(t, []string{"CELERY_BROKER_URL_FILE=" + writeSecret(t, dir, "b", "sentinel://:first-pw@s1:26379/0;sentinel://:second-pw@s2:26379/0")})
	values := strings.Join(s.Values(), "\n")
	if !strings.Contains(values, "\nfirst-pw") || !strings.Contains(values, "\nsecond-pw") {
		t.Fatalf("a part's password is not among the values to redact")
	}
}

func TestRedisWiringModes(t *testing.T) {
	env := func(kv ...string) func(string) string { return envLookup(kv) }
	w, err := RedisWiringFromEnv(env("REDIS_HOST=redis", "REDIS_PORT=6379"))
	if err != nil || w.Mode != "direct" || w.Addr != "redis:6379" {
		t.Fatalf("direct: %+v %v", w, err)
	}
	w, err = RedisWiringFromEnv(env("REDIS_SENTINEL_HOSTS=redis-sentinel-0:26379, redis-sentinel-1:26379,[fd00::1]:26379", "REDIS_SENTINEL_MASTER=toolboxai"))
	if err != nil || w.Mode != "sentinel" || w.Master != "toolboxai" ||
		!reflect.DeepEqual(w.Sentinels, []string{"redis-sentinel-0:26379", "redis-sentinel-1:26379", "[fd00::1]:26379"}) {
		t.Fatalf("sentinel: %+v %v", w, err)
	}
	if w, err = RedisWiringFromEnv(env("REDIS_PORT=6379")); err != nil || w.Mode != "" {
		t.Fatalf("no REDIS_HOST is no Redis wiring, as before: %+v %v", w, err)
	}
	for _, c := range []struct {
		env  []string
		want string
	}{
		{[]string{"REDIS_HOST=redis"}, "REDIS_PORT"},
		{[]string{"REDIS_HOST=redis", "REDIS_PORT=6379", "REDIS_SENTINEL_HOSTS=s:26379", "REDIS_SENTINEL_MASTER=m"}, "set one mode only"},
		{[]string{"REDIS_PORT=6379", "REDIS_SENTINEL_HOSTS=s:26379", "REDIS_SENTINEL_MASTER=m"}, "set one mode only"},
		{[]string{"REDIS_SENTINEL_HOSTS=s:26379"}, "without REDIS_SENTINEL_MASTER"},
		{[]string{"REDIS_SENTINEL_MASTER=m"}, "without REDIS_SENTINEL_HOSTS"},
		{[]string{"REDIS_SENTINEL_HOSTS=s:26379", "REDIS_SENTINEL_MASTER=my master"}, "not a Sentinel master name"},
		{[]string{"REDIS_SENTINEL_HOSTS=s1:26379,,s2:26379", "REDIS_SENTINEL_MASTER=m"}, "item 2 of 3 is empty"},
		{[]string{"REDIS_SENTINEL_HOSTS=s1:26379,", "REDIS_SENTINEL_MASTER=m"}, "item 2 of 2 is empty"},
		{[]string{"REDIS_SENTINEL_HOSTS=s1", "REDIS_SENTINEL_MASTER=m"}, `item 1 of 1 ("s1") is not host:port`},
		{[]string{"REDIS_SENTINEL_HOSTS=:26379", "REDIS_SENTINEL_MASTER=m"}, "is not host:port"},
		{[]string{"REDIS_SENTINEL_HOSTS=s1:sentinel", "REDIS_SENTINEL_MASTER=m"}, "has no valid port"},
		{[]string{"REDIS_SENTINEL_HOSTS=s1:70000", "REDIS_SENTINEL_MASTER=m"}, "has no valid port"},
		{[]string{"REDIS_SENTINEL_HOSTS=s1:26379,s1:26379", "REDIS_SENTINEL_MASTER=m"}, "already listed"},
		{[]string{"REDIS_SENTINEL_HOSTS=redis://s1:26379", "REDIS_SENTINEL_MASTER=m"}, "is not host:port"},
	} {
		if _, err := RedisWiringFromEnv(envLookup(c.env)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: want %q, got %v", c.env, c.want, err)
		}
		// OpenDeps refuses the same wiring.
		if _, err := OpenDeps(envLookup(c.env), mustLoadSecrets(t, nil), testLogger(nil)); err == nil {
			t.Errorf("OpenDeps accepted %v", c.env)
		}
	}
}

// The Celery URLs follow the wiring's mode; a contract error stops the process with one JSON
// line that quotes no password.
func TestRunRejectsMixedRedisModes(t *testing.T) {
	pw := sentinelTestPassword
	sentinelURL := "sentinel://:" + pw + "@s1:26379/0;sentinel://:" + pw + "@s2:26379/0"
	directURL := "redis://:" + pw + "@redis:6379/0"
	for _, c := range []struct {
		env    []string
		broker string
		want   string
	}{
		{[]string{"REDIS_SENTINEL_HOSTS=s1:26379,s2:26379", "REDIS_SENTINEL_MASTER=m"}, directURL, "bypasses Sentinel"},
		{[]string{"REDIS_HOST=redis", "REDIS_PORT=6379"}, sentinelURL, "holds sentinel:// URLs: set REDIS_SENTINEL_HOSTS"},
		{nil, sentinelURL, "REDIS_SENTINEL_MASTER (Celery's master_name transport option) is not set"},
		{[]string{"REDIS_HOST=redis", "REDIS_PORT=6379", "REDIS_SENTINEL_HOSTS=s1:26379", "REDIS_SENTINEL_MASTER=m"}, directURL, "set one mode only"},
		{[]string{"REDIS_SENTINEL_HOSTS=s1:26379,s2:26379", "REDIS_SENTINEL_MASTER=m"}, sentinelURL + ";", "part 3 of 3 of the sentinel:// list is empty"},
	} {
		dir := t.TempDir()
		env := append([]string{
			"OTEL_SERVICE_NAME=backend",
			"REDIS_PASSWORD_FILE=" + writeSecret(t, dir, "redis-password", pw),
			"CELERY_BROKER_URL_FILE=" + writeSecret(t, dir, "broker", c.broker),
			"CELERY_RESULT_BACKEND_FILE=" + writeSecret(t, dir, "results", strings.ReplaceAll(c.broker, "/0", "/1")),
		}, c.env...)
		for _, argv := range [][]string{{"toolboxai-reference"}, {"celery", "-A", "app.celery_app", "inspect", "ping", "--timeout", "1"}} {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), argv, env, &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if code != 1 || !strings.Contains(out, c.want) {
				t.Errorf("%v %s: exit %d, want %q: %s", c.env, argv[0], code, c.want, out)
			}
			if strings.Contains(out, "hunter2") {
				t.Errorf("password in the output: %s", out)
			}
			if lines := jsonLines(t, stderr.String()); len(lines) != 1 {
				t.Errorf("want one JSON line, got %d: %s", len(lines), stderr.String())
			}
		}
	}
}

// Sentinel-mode clients are built without connecting; with no Sentinel answering, /health says
// redis is down (503) and the process stays up.
func TestSentinelModeWithoutSentinelsIsUnready(t *testing.T) {
	dir := t.TempDir()
	s1, s2 := "127.0.0.1:"+closedPort(t), "127.0.0.1:"+closedPort(t)
	env := []string{
		"OTEL_SERVICE_NAME=backend", "PORT=8009",
		"REDIS_SENTINEL_HOSTS=" + s1 + "," + s2, "REDIS_SENTINEL_MASTER=toolboxai",
		"REDIS_PASSWORD_FILE=" + writeSecret(t, dir, "redis-password", sentinelTestPassword),
		"APP_SECRET_KEY_FILE=" + writeSecret(t, dir, "app-secret-key", "app-key"),
		"CELERY_BROKER_URL_FILE=" + writeSecret(t, dir, "broker", "sentinel://:"+sentinelTestPassword+"@"+s1+"/0;sentinel://:"+sentinelTestPassword+"@"+s2+"/0"),
		"CELERY_RESULT_BACKEND_FILE=" + writeSecret(t, dir, "results", "sentinel://:"+sentinelTestPassword+"@"+s1+"/1;sentinel://:"+sentinelTestPassword+"@"+s2+"/1"),
	}
	if err := CheckRedisModes(envLookup(env), mustLoadSecrets(t, env)); err != nil {
		t.Fatal(err)
	}
	_, ts := newTestServer(t, env)
	code, body := get(t, ts.URL+"/health")
	if code != 503 || !strings.Contains(body, `"redis":{"status":"down"`) || !strings.Contains(body, "sentinels") {
		t.Fatalf("/health: %d %s", code, body)
	}
	if strings.Contains(body, "hunter2") {
		t.Fatalf("password in /health: %s", body)
	}
	broker, _ := brokers(t, env)
	var out bytes.Buffer
	if c := InspectPing(context.Background(), broker, nil, 500e6, &out); c != exUnavailable {
		t.Fatalf("inspect ping without Sentinels: exit %d %s", c, out.String())
	}
}
