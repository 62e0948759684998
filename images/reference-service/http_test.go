package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func newTestServer(t *testing.T, env []string) (*Server, *httptest.Server) {
	t.Helper()
	getenv := envLookup(env)
	cfg, err := ServiceConfigFromEnv(Invocation{Role: "http"}, getenv)
	if err != nil {
		t.Fatal(err)
	}
	secrets := mustLoadSecrets(t, env)
	deps, err := OpenDeps(getenv, secrets, testLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(deps.Close)
	s := NewServer(cfg, deps, secrets, testLogger(nil))
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ts
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// closedPort is a TCP port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	return port
}

func TestServiceConfigFollowsTheStacks(t *testing.T) {
	for _, c := range []struct {
		env  []string
		name string
		port int
	}{
		{[]string{"OTEL_SERVICE_NAME=backend", "PORT=8009"}, "backend", 8009},
		{[]string{"OTEL_SERVICE_NAME=mcp-server", "PORT=9877"}, "mcp-server", 9877},
		{[]string{"OTEL_SERVICE_NAME=agent-coordinator", "PORT=8888"}, "agent-coordinator", 8888},
		{[]string{"OTEL_SERVICE_NAME=roblox-sync"}, "roblox-sync", 8080},
		{nil, "dashboard", 8080}, // the dashboard container has no environment at all
	} {
		cfg, err := ServiceConfigFromEnv(Invocation{Role: "http"}, envLookup(c.env))
		if err != nil || cfg.Service != c.name || cfg.Port != c.port {
			t.Errorf("%v: %+v %v", c.env, cfg, err)
		}
	}
	if _, err := ServiceConfigFromEnv(Invocation{}, envLookup([]string{"PORT=http"})); err == nil {
		t.Error("PORT=http accepted")
	}
	if _, err := ServiceConfigFromEnv(Invocation{}, envLookup([]string{"MCP_SERVER_URL=mcp-server:9877"})); err == nil {
		t.Error("a URL without scheme accepted")
	}
}

// /health is what both the Docker healthcheck and the Kubernetes readiness probe GET: it fails
// while a store is down. Liveness (TCP, or /livez) does not.
func TestHealthIsReadinessLivezIsNot(t *testing.T) {
	m := newFakeRedis(t)
	_, ts := newTestServer(t, fakeEnv(t, m, "OTEL_SERVICE_NAME=mcp-server", "PORT=9877"))

	code, body := get(t, ts.URL+"/health")
	if code != 200 || !strings.Contains(body, `"redis":{"status":"up"`) || !strings.Contains(body, `"database":{"status":"skipped"`) {
		t.Fatalf("healthy: %d %s", code, body)
	}
	m.Close() // the fake Redis goes away
	code, body = get(t, ts.URL+"/health")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"redis":{"status":"down"`) {
		t.Fatalf("redis down: %d %s", code, body)
	}
	if code, _ = get(t, ts.URL+"/ready"); code != http.StatusServiceUnavailable {
		t.Fatalf("/ready with redis down: %d", code)
	}
	if code, body = get(t, ts.URL+"/livez"); code != 200 {
		t.Fatalf("/livez must not depend on stores: %d %s", code, body)
	}
	if strings.Contains(body, fakeRedisPassword) {
		t.Fatal("password in a response")
	}
}

func TestHealthWithDatabaseDown(t *testing.T) {
	m := newFakeRedis(t)
	env := fakeEnv(t, m, "OTEL_SERVICE_NAME=backend", "PORT=8009", "DATABASE_HOST=127.0.0.1",
		"DATABASE_PORT="+closedPort(t), "DATABASE_NAME=toolboxai", "DATABASE_USER=toolboxai")
	_, ts := newTestServer(t, env)
	code, body := get(t, ts.URL+"/health")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"database":{"status":"down"`) {
		t.Fatalf("%d %s", code, body)
	}
	// The API still answers, saying what is reachable.
	code, body = get(t, ts.URL+"/api/status")
	var st map[string]any
	if err := json.Unmarshal([]byte(body), &st); err != nil || code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	if st["database_reachable"] != false || st["redis_reachable"] != true || st["reference_service"] != true {
		t.Fatalf("%v", st)
	}
	if strings.Contains(body, "database-password-0003") {
		t.Fatal("password in a response")
	}
	if code, _ = get(t, ts.URL+"/api/rows/count"); code != http.StatusServiceUnavailable {
		t.Fatalf("rows count with the database down: %d", code)
	}
}

func TestDataWiringIncompleteIsAContractError(t *testing.T) {
	_, err := OpenDeps(envLookup([]string{"DATABASE_HOST=postgres"}), &Secrets{}, nil)
	if err == nil || !strings.Contains(err.Error(), "DATABASE_PORT") {
		t.Fatalf("err = %v", err)
	}
}

func TestMetricsFamiliesPromised(t *testing.T) {
	m := newFakeRedis(t)
	cases := map[string][]string{
		"backend":    append(append([]string{}, HTTPFamilies...), BackendFamilies...),
		"mcp-server": HTTPFamilies,
	}
	for service, families := range cases {
		_, ts := newTestServer(t, fakeEnv(t, m, "OTEL_SERVICE_NAME="+service))
		// First scrape, before any other request: every family is already there.
		_, body := get(t, ts.URL+"/metrics")
		for _, f := range families {
			if !strings.Contains(body, "# TYPE "+f+" ") {
				t.Errorf("%s: family %s missing on the first scrape", service, f)
			}
		}
		get(t, ts.URL+"/api/status")
		get(t, ts.URL+"/api/nothing-here")
		_, body = get(t, ts.URL+"/metrics")
		for _, want := range []string{
			`http_requests_total{handler="/api/status",method="GET",status="200"} 1`,
			`http_requests_total{handler="/",method="GET",status="404"} 1`,
			`http_request_duration_seconds_count{handler="/api/status",method="GET"} 1`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: lacks %s", service, want)
			}
		}
		if strings.Contains(body, "nothing-here") {
			t.Errorf("%s: raw paths must not become label values", service)
		}
		if service != "backend" && strings.Contains(body, "toolboxai_auth_attempts_total") {
			t.Errorf("%s exposes backend families", service)
		}
	}
}

func TestBackendSessionsAndAuthMetrics(t *testing.T) {
	m := newFakeRedis(t)
	_, ts := newTestServer(t, fakeEnv(t, m, "OTEL_SERVICE_NAME=backend"))
	resp, err := http.Post(ts.URL+"/api/auth/login", "application/json", strings.NewReader(`{"username":"ada","password":"pw"}`))
	if err != nil {
		t.Fatal(err)
	}
	var login struct{ Token string }
	_ = json.NewDecoder(resp.Body).Decode(&login)
	resp.Body.Close()
	if resp.StatusCode != 200 || login.Token == "" {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	if strings.Contains(login.Token, "app-secret-key-value") {
		t.Fatal("token contains the key")
	}
	resp, _ = http.Post(ts.URL+"/api/auth/login", "application/json", strings.NewReader(`{"username":"ada"}`))
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("login without password: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", ts.URL+"/api/auth/session", nil)
	req.Header.Set("Authorization", "Bearer "+login.Token)
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("session: %d", resp.StatusCode)
	}
	req.Header.Set("Authorization", "Bearer "+login.Token+"x")
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("tampered session: %d", resp.StatusCode)
	}
	_, body := get(t, ts.URL+"/metrics")
	for _, want := range []string{
		`toolboxai_auth_attempts_total{result="success"} 2`,
		`toolboxai_auth_attempts_total{result="failure"} 2`,
		"toolboxai_active_sessions 1",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestRateLimit(t *testing.T) {
	m := newFakeRedis(t)
	_, ts := newTestServer(t, fakeEnv(t, m, "OTEL_SERVICE_NAME=backend", "REFERENCE_RATE_LIMIT_PER_MINUTE=2"))
	var codes []int
	for i := 0; i < 3; i++ {
		c, _ := get(t, ts.URL+"/api/status")
		codes = append(codes, c)
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != http.StatusTooManyRequests {
		t.Fatalf("codes = %v", codes)
	}
	if c, _ := get(t, ts.URL+"/health"); c != 200 {
		t.Fatalf("probes are not rate limited: %d", c)
	}
	_, body := get(t, ts.URL+"/metrics")
	if !strings.Contains(body, "toolboxai_rate_limited_requests_total 1") {
		t.Fatal("rate-limited request not counted")
	}
}

func TestRootSaysContractTest(t *testing.T) {
	_, dash := newTestServer(t, nil)
	code, body := get(t, dash.URL+"/")
	if code != 200 || !strings.Contains(body, "<html") || !strings.Contains(body, "contract test") {
		t.Fatalf("dashboard /: %d %s", code, body)
	}
	if code, body = get(t, dash.URL+"/some/spa/route"); code != 200 || !strings.Contains(body, "contract test") {
		t.Fatalf("dashboard SPA route: %d", code)
	}
	if code, _ = get(t, dash.URL+"/health"); code != 200 {
		t.Fatalf("dashboard /health: %d", code)
	}
	m := newFakeRedis(t)
	_, api := newTestServer(t, fakeEnv(t, m, "OTEL_SERVICE_NAME=agent-coordinator"))
	code, body = get(t, api.URL+"/")
	var root map[string]any
	if json.Unmarshal([]byte(body), &root) != nil || code != 200 || root["service"] != "agent-coordinator" ||
		!strings.Contains(root["description"].(string), "contract test") {
		t.Fatalf("%d %s", code, body)
	}
}

// One request through the backend reaches the agent coordinator and the MCP server in one trace.
func TestChainPropagatesTraceContext(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() { otel.SetTracerProvider(prevTP); otel.SetTextMapPropagator(prevProp) })

	m := newFakeRedis(t)
	_, mcp := newTestServer(t, fakeEnv(t, m, "OTEL_SERVICE_NAME=mcp-server"))
	_, coord := newTestServer(t, fakeEnv(t, m, "OTEL_SERVICE_NAME=agent-coordinator", "MCP_SERVER_URL="+mcp.URL))
	_, backend := newTestServer(t, fakeEnv(t, m, "OTEL_SERVICE_NAME=backend", "MCP_SERVER_URL="+mcp.URL, "AGENT_COORDINATOR_URL="+coord.URL))

	// The caller (the gateway's client) starts the trace.
	ctx, root := tp.Tracer("test").Start(context.Background(), "client")
	req, _ := http.NewRequestWithContext(ctx, "GET", backend.URL+"/api/chain", nil)
	otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(req.Header))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	root.End()
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	want := root.SpanContext().TraceID().String()
	if !strings.Contains(string(body), `"trace_id":"`+want+`"`) {
		t.Fatalf("backend did not continue the caller's trace: %s", body)
	}
	servers := map[string]int{}
	for _, s := range rec.Ended() {
		if s.SpanContext().TraceID().String() != want {
			t.Errorf("span %q in another trace", s.Name())
		}
		if s.SpanKind().String() == "server" {
			servers[s.Name()]++
		}
	}
	// backend (1), agent-coordinator (1), mcp-server (called by both: 2)
	if servers["GET /api/chain"] != 4 {
		t.Fatalf("server spans: %v", servers)
	}
}

func TestDatabasePasswordWithURLCharacters(t *testing.T) {
	dir := t.TempDir()
	pw := "p@ss:w/rd?#%&= x"
	env := []string{"DATABASE_HOST=postgres", "DATABASE_PORT=5432", "DATABASE_NAME=toolboxai", "DATABASE_USER=toolboxai",
		"DATABASE_PASSWORD_FILE=" + writeSecret(t, dir, "pw", pw)}
	d, err := OpenDeps(envLookup(env), mustLoadSecrets(t, env), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	cc := d.DB.Config().ConnConfig
	if cc.Password != pw || cc.Host != "postgres" || cc.Port != 5432 || cc.Database != "toolboxai" || cc.User != "toolboxai" {
		t.Fatalf("config: host=%s port=%d db=%s user=%s password-ok=%v", cc.Host, cc.Port, cc.Database, cc.User, cc.Password == pw)
	}
}
