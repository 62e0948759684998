package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/trace"
)

const description = "ToolboxAI reference service: the platform's contract test, not the ToolboxAI product"

// ServiceConfig is what an HTTP service instance was told by its environment.
type ServiceConfig struct {
	Service     string
	Port        int
	Downstreams []string // MCP_SERVER_URL, AGENT_COORDINATOR_URL, BACKEND_URL, in that order
	RateLimit   int      // API requests per client per minute
}

// ServiceConfigFromEnv applies the platform's variables: PORT (8080 when absent, as the
// dashboard and roblox-sync), OTEL_SERVICE_NAME as the name (dashboard: none, so "dashboard").
func ServiceConfigFromEnv(inv Invocation, getenv func(string) string) (ServiceConfig, error) {
	c := ServiceConfig{Service: inv.Service, Port: 8080, RateLimit: 600}
	if c.Service == "" {
		c.Service = getenv("OTEL_SERVICE_NAME")
	}
	if c.Service == "" {
		c.Service = getenv("TOOLBOXAI_REFERENCE_SERVICE")
	}
	if c.Service == "" {
		c.Service = "dashboard"
	}
	if p := getenv("PORT"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return c, fmt.Errorf("contract: PORT=%q is not a TCP port", p)
		}
		c.Port = n
	}
	for _, v := range []string{"MCP_SERVER_URL", "AGENT_COORDINATOR_URL", "BACKEND_URL"} {
		if u := getenv(v); u != "" {
			if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				return c, fmt.Errorf("contract: %s=%q is not an http(s) URL", v, u)
			}
			c.Downstreams = append(c.Downstreams, strings.TrimRight(u, "/"))
		}
	}
	if v := getenv("REFERENCE_RATE_LIMIT_PER_MINUTE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return c, fmt.Errorf("REFERENCE_RATE_LIMIT_PER_MINUTE=%q is not a positive integer", v)
		}
		c.RateLimit = n
	}
	return c, nil
}

// Server is one HTTP service of the platform, played by the reference service.
type Server struct {
	cfg      ServiceConfig
	deps     *Deps
	secrets  *Secrets
	log      *slog.Logger
	reg      *prometheus.Registry
	httpm    *HTTPMetrics
	backendm *BackendMetrics
	client   *http.Client
	scrub    func(string) string
	limiter  *rateLimiter
	started  time.Time
}

func NewServer(cfg ServiceConfig, deps *Deps, secrets *Secrets, log *slog.Logger) *Server {
	s := &Server{
		cfg: cfg, deps: deps, secrets: secrets, log: log, reg: newRegistry(), started: time.Now(),
		client:  &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport), Timeout: 10 * time.Second},
		limiter: newRateLimiter(cfg.RateLimit, time.Minute),
	}
	rh := newRedactingHandler(slog.DiscardHandler, secrets.Values()).(*redactingHandler)
	s.scrub = rh.scrub
	s.httpm = NewHTTPMetrics(s.reg)
	if cfg.Service == "backend" {
		s.backendm = NewBackendMetrics(s.reg, s.activeSessions)
	}
	return s
}

// Handler is the service's whole HTTP surface, traced (one span per request, W3C context
// taken from the caller) and measured.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", s.health)
	mux.HandleFunc("GET /ready", s.health)
	mux.HandleFunc("GET /livez", s.livez)
	mux.Handle("GET /metrics", metricsHandler(s.reg))
	if s.cfg.Service == "dashboard" {
		mux.HandleFunc("GET /", s.dashboardPage) // a single-page app: every path is the page
	} else {
		mux.HandleFunc("GET /{$}", s.root)
		mux.HandleFunc("GET /api/{$}", s.apiStatus)
		mux.HandleFunc("GET /api/status", s.apiStatus)
		mux.HandleFunc("GET /api/chain", s.chain)
		mux.HandleFunc("POST /api/rows", s.insertRow)
		mux.HandleFunc("GET /api/rows/count", s.countRows)
		if s.backendm != nil {
			mux.HandleFunc("POST /api/auth/login", s.login)
			mux.HandleFunc("GET /api/auth/session", s.session)
		}
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusNotFound, map[string]any{"error": "not found", "path": r.URL.Path, "service": s.cfg.Service})
		})
	}
	var h http.Handler = mux
	h = s.rateLimit(h)
	h = s.httpm.Middleware(h)
	return otelhttp.NewHandler(h, s.cfg.Service, otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
		return r.Method + " " + routeOf(r)
	}))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) checks(ctx context.Context) map[string]CheckResult {
	res := s.deps.Check(ctx)
	for k, r := range res {
		r.Error = s.scrub(r.Error)
		res[k] = r
	}
	return res
}

// health is the readiness probe the stacks declare (Docker healthcheck and Kubernetes
// readiness both GET /health; liveness is a TCP check): 503 while a configured store is down.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	res := s.checks(r.Context())
	status, code := "ok", http.StatusOK
	if !Ready(res) {
		status, code = "unavailable", http.StatusServiceUnavailable
	}
	writeJSON(w, code, map[string]any{"status": status, "service": s.cfg.Service, "checks": res, "reference_service": true})
}

// livez answers while the process serves: a dependency never makes it fail.
func (s *Server) livez(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "alive", "service": s.cfg.Service})
}

func (s *Server) root(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"service":           s.cfg.Service,
		"reference_service": true,
		"description":       description,
		"uptime_seconds":    int(time.Since(s.started).Seconds()),
		"endpoints":         []string{"/health", "/ready", "/livez", "/metrics", "/api/status", "/api/chain", "/api/rows", "/api/rows/count"},
	})
}

var dashboardTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ToolboxAI reference service (contract test)</title></head>
<body>
<h1>ToolboxAI reference service</h1>
<p><strong>This is the platform's contract test standing in for the {{.Service}}, not the ToolboxAI product.</strong></p>
<p>It serves this page on every path, as the dashboard's single-page app would, and <code>/health</code> for the probes.</p>
<p>Backend checks through the gateway: <a href="/api/status">/api/status</a>, <a href="/api/chain">/api/chain</a>.</p>
</body></html>
`))

func (s *Server) dashboardPage(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = dashboardTemplate.Execute(w, map[string]string{"Service": s.cfg.Service})
}

func (s *Server) apiStatus(w http.ResponseWriter, r *http.Request) {
	res := s.checks(r.Context())
	writeJSON(w, http.StatusOK, map[string]any{
		"service":             s.cfg.Service,
		"reference_service":   true,
		"description":         description,
		"database_reachable":  res["database"].Status == "up",
		"redis_reachable":     res["redis"].Status == "up",
		"checks":              res,
		"secret_files_loaded": s.secrets.Names(), // variable names only
		"trace_id":            traceID(r.Context()),
	})
}

func traceID(ctx context.Context) string {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		return sc.TraceID().String()
	}
	return ""
}

const chainDepthHeader = "X-Reference-Chain-Depth"

// chain calls each downstream service's /api/chain (the backend: MCP server and agent
// coordinator; the coordinator: MCP server), so one request shows one trace across services.
func (s *Server) chain(w http.ResponseWriter, r *http.Request) {
	depth, _ := strconv.Atoi(r.Header.Get(chainDepthHeader))
	type hop struct {
		URL     string          `json:"url"`
		Status  int             `json:"status"`
		Error   string          `json:"error,omitempty"`
		Payload json.RawMessage `json:"response,omitempty"`
	}
	var hops []hop
	ok := true
	if depth < 4 {
		for _, base := range s.cfg.Downstreams {
			h := hop{URL: base + "/api/chain"}
			req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, h.URL, nil)
			req.Header.Set(chainDepthHeader, strconv.Itoa(depth+1))
			resp, err := s.client.Do(req)
			if err != nil {
				h.Error, ok = s.scrub(err.Error()), false
			} else {
				body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
				resp.Body.Close()
				h.Status = resp.StatusCode
				if json.Valid(body) {
					h.Payload = body
				}
				if resp.StatusCode != http.StatusOK {
					ok = false
				}
			}
			hops = append(hops, h)
		}
	}
	code := http.StatusOK
	if !ok {
		code = http.StatusBadGateway
	}
	s.log.InfoContext(r.Context(), "chain request", "downstreams", len(hops), "ok", ok)
	writeJSON(w, code, map[string]any{"service": s.cfg.Service, "trace_id": traceID(r.Context()), "downstream": hops})
}

func (s *Server) insertRow(w http.ResponseWriter, r *http.Request) {
	if s.deps.DB == nil {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": errNoDatabase.Error()})
		return
	}
	var body struct {
		Note string `json:"note"`
	}
	_ = json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&body)
	id, err := s.deps.InsertRow(r.Context(), body.Note)
	if err != nil {
		s.log.ErrorContext(r.Context(), "insert row failed", "error", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": s.scrub(err.Error())})
		return
	}
	n, _ := s.deps.CountRows(r.Context())
	writeJSON(w, http.StatusCreated, map[string]any{"id": id, "count": n, "table": rowsTable})
}

func (s *Server) countRows(w http.ResponseWriter, r *http.Request) {
	if s.deps.DB == nil {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": errNoDatabase.Error()})
		return
	}
	n, err := s.deps.CountRows(r.Context())
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": s.scrub(err.Error())})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": n, "table": rowsTable})
}

// Sessions: a token signed with APP_SECRET_KEY, its digest kept in a Redis sorted set scored by
// expiry. The reference has no user store: any non-empty username and password sign in.
const sessionsKey = "toolboxai-reference:sessions"
const sessionTTL = 30 * time.Minute

func (s *Server) sign(payload string) string {
	key, _ := s.secrets.Get("APP_SECRET_KEY_FILE")
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func digest(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:16])
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&body); err != nil || body.Username == "" || body.Password == "" {
		s.backendm.authAttempts.WithLabelValues("failure").Inc()
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "username and password required"})
		return
	}
	if s.deps.Redis == nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "no Redis configured for sessions"})
		return
	}
	nonce := make([]byte, 12)
	_, _ = rand.Read(nonce)
	expires := time.Now().Add(sessionTTL)
	payload := base64.RawURLEncoding.EncodeToString([]byte(body.Username)) + "." + strconv.FormatInt(expires.Unix(), 10) + "." + base64.RawURLEncoding.EncodeToString(nonce)
	token := payload + "." + s.sign(payload)
	if err := s.deps.Redis.ZAdd(r.Context(), sessionsKey, redis.Z{Score: float64(expires.Unix()), Member: digest(token)}).Err(); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "session store unavailable"})
		return
	}
	s.backendm.authAttempts.WithLabelValues("success").Inc()
	s.log.InfoContext(r.Context(), "session issued", "expires_in_seconds", int(sessionTTL.Seconds()))
	writeJSON(w, http.StatusOK, map[string]any{"token": token, "expires_in": int(sessionTTL.Seconds())})
}

func (s *Server) session(w http.ResponseWriter, r *http.Request) {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	parts := strings.Split(token, ".")
	valid := false
	if len(parts) == 4 && hmac.Equal([]byte(s.sign(strings.Join(parts[:3], "."))), []byte(parts[3])) {
		exp, err := strconv.ParseInt(parts[1], 10, 64)
		if err == nil && time.Now().Unix() < exp && s.deps.Redis != nil {
			_, zerr := s.deps.Redis.ZScore(r.Context(), sessionsKey, digest(token)).Result()
			valid = zerr == nil
		}
	}
	if !valid {
		s.backendm.authAttempts.WithLabelValues("failure").Inc()
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid or expired session"})
		return
	}
	s.backendm.authAttempts.WithLabelValues("success").Inc()
	user, _ := base64.RawURLEncoding.DecodeString(parts[0])
	writeJSON(w, http.StatusOK, map[string]any{"username": string(user)})
}

// activeSessions counts unexpired sessions in Redis (0 without Redis; the last value while
// Redis does not answer).
func (s *Server) activeSessions(ctx context.Context) float64 {
	if s.deps.Redis == nil {
		return 0
	}
	now := strconv.FormatInt(time.Now().Unix(), 10)
	s.deps.Redis.ZRemRangeByScore(ctx, sessionsKey, "-inf", now)
	n, err := s.deps.Redis.ZCount(ctx, sessionsKey, "("+now, "+inf").Result()
	if err != nil {
		return s.limiter.lastSessions()
	}
	s.limiter.setSessions(float64(n))
	return float64(n)
}

// rateLimiter is a fixed-window per-client limit on /api/ (behind the gateway's own limit).
type rateLimiter struct {
	mu       sync.Mutex
	limit    int
	window   time.Duration
	start    time.Time
	counts   map[string]int
	sessions float64
}

func newRateLimiter(limit int, window time.Duration) *rateLimiter {
	return &rateLimiter{limit: limit, window: window, counts: map[string]int{}}
}

func (l *rateLimiter) allow(client string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.start) >= l.window {
		l.start, l.counts = now, map[string]int{}
	}
	l.counts[client]++
	return l.counts[client] <= l.limit
}

func (l *rateLimiter) lastSessions() float64 { l.mu.Lock(); defer l.mu.Unlock(); return l.sessions }
func (l *rateLimiter) setSessions(v float64) { l.mu.Lock(); l.sessions = v; l.mu.Unlock() }

func clientOf(r *http.Request) string {
	if v := r.Header.Get("X-Real-IP"); v != "" {
		return v
	}
	if v := r.Header.Get("X-Forwarded-For"); v != "" {
		first, _, _ := strings.Cut(v, ",")
		return strings.TrimSpace(first)
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) rateLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") && !s.limiter.allow(clientOf(r), time.Now()) {
			if s.backendm != nil {
				s.backendm.rateLimited.Inc()
			}
			w.Header().Set("Retry-After", "60")
			writeJSON(w, http.StatusTooManyRequests, map[string]any{"error": "rate limited"})
			return
		}
		next.ServeHTTP(w, r)
	})
}
