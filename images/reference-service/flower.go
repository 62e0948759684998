package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/trace"
)

var basicAuthLine = regexp.MustCompile(`(?m)^\s*basic_auth\s*=\s*(\[.*\])\s*$`)

// LoadFlowerConfig reads Flower's Python config (`basic_auth = ["user:password"]`). Errors name
// the file, never its content.
func LoadFlowerConfig(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("contract: flower --conf=%q: %s", path, describeFileError(err))
	}
	m := basicAuthLine.FindSubmatch(data)
	if m == nil {
		return nil, fmt.Errorf("contract: flower --conf=%q defines no basic_auth (Flower would run without authentication)", path)
	}
	var creds []string
	if err := json.Unmarshal(m[1], &creds); err != nil || len(creds) == 0 {
		return nil, fmt.Errorf("contract: flower --conf=%q: basic_auth is not a list of \"user:password\" strings (content not shown)", path)
	}
	for _, c := range creds {
		if u, p, ok := strings.Cut(c, ":"); !ok || u == "" || p == "" {
			return nil, fmt.Errorf("contract: flower --conf=%q: a basic_auth entry is not \"user:password\" (content not shown)", path)
		}
	}
	return creds, nil
}

// FlowerMetrics are Flower's own families, fed by the worker's events.
type FlowerMetrics struct {
	events  *prometheus.CounterVec
	online  *prometheus.GaugeVec
	runtime *prometheus.HistogramVec
}

func NewFlowerMetrics(reg prometheus.Registerer) *FlowerMetrics {
	m := &FlowerMetrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flower_events_total", Help: "Number of events",
		}, []string{"worker", "type", "task"}),
		online: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "flower_worker_online", Help: "Worker online status",
		}, []string{"worker"}),
		runtime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "flower_task_runtime_seconds", Help: "Task runtime",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"worker", "task"}),
	}
	reg.MustRegister(m.events, m.online, m.runtime)
	return m
}

// Observe applies one worker event the way Flower does.
func (m *FlowerMetrics) Observe(e Event) {
	switch {
	case strings.HasPrefix(e.Type, "task-"):
		m.events.WithLabelValues(e.Hostname, e.Type, e.Name).Inc()
		if e.Runtime > 0 {
			m.runtime.WithLabelValues(e.Hostname, e.Name).Observe(e.Runtime)
		}
	case e.Type == "worker-online", e.Type == "worker-heartbeat":
		m.online.WithLabelValues(e.Hostname).Set(1)
	case e.Type == "worker-offline":
		m.online.WithLabelValues(e.Hostname).Set(0)
	}
}

// Flower serves /healthcheck, /metrics (unauthenticated, as Prometheus scrapes it) and, behind
// basic auth, / and /api/workers.
type Flower struct {
	Port   int
	Creds  []string
	Broker *redis.Client
	Log    *slog.Logger

	reg     *prometheus.Registry
	metrics *FlowerMetrics
	mu      sync.Mutex
	seen    map[string]bool
}

func NewFlower(port int, creds []string, broker *redis.Client, log *slog.Logger) *Flower {
	f := &Flower{Port: port, Creds: creds, Broker: broker, Log: log, reg: newRegistry(), seen: map[string]bool{}}
	f.metrics = NewFlowerMetrics(f.reg)
	return f
}

// Consume drains the worker events from the broker until ctx ends.
func (f *Flower) Consume(ctx context.Context) {
	for ctx.Err() == nil {
		res, err := f.Broker.BRPop(ctx, pollTimeout, eventsKey).Result()
		if err == redis.Nil {
			f.refreshOnline(ctx)
			continue
		}
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(2 * time.Second):
			}
			continue
		}
		var e Event
		if json.Unmarshal([]byte(res[1]), &e) == nil && e.Hostname != "" {
			f.metrics.Observe(e)
			f.mu.Lock()
			f.seen[e.Hostname] = true
			f.mu.Unlock()
		}
	}
}

// refreshOnline marks a worker offline once its heartbeat is stale (a killed worker sends no
// worker-offline event).
func (f *Flower) refreshOnline(ctx context.Context) {
	alive, err := AliveNodes(ctx, f.Broker)
	if err != nil {
		return
	}
	set := map[string]bool{}
	for _, n := range alive {
		set[n] = true
		f.metrics.online.WithLabelValues(n).Set(1)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for n := range f.seen {
		if !set[n] {
			f.metrics.online.WithLabelValues(n).Set(0)
		}
	}
	for n := range set {
		f.seen[n] = true
	}
}

func (f *Flower) authorized(r *http.Request) bool {
	u, p, ok := r.BasicAuth()
	if !ok {
		return false
	}
	given := []byte(u + ":" + p)
	for _, c := range f.Creds {
		if subtle.ConstantTimeCompare(given, []byte(c)) == 1 {
			return true
		}
	}
	return false
}

func (f *Flower) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthcheck", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := f.Broker.Ping(ctx).Err(); err != nil {
			http.Error(w, "broker unreachable", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("OK"))
	})
	mux.Handle("GET /metrics", metricsHandler(f.reg))
	protected := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if !f.authorized(r) {
				w.Header().Set("WWW-Authenticate", `Basic realm="flower"`)
				http.Error(w, "authentication required", http.StatusUnauthorized)
				return
			}
			h(w, r)
		}
	}
	workers := func(w http.ResponseWriter, r *http.Request) {
		nodes, err := AliveNodes(r.Context(), f.Broker)
		if err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "broker unreachable"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"reference_service": true, "description": description, "workers_online": nodes})
	}
	mux.HandleFunc("GET /{$}", protected(workers))
	mux.HandleFunc("GET /api/workers", protected(workers))
	// Span names from the matched route (set after the mux ran), never the raw path.
	named := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		trace.SpanFromContext(r.Context()).SetName(r.Method + " " + routeOf(r))
	})
	return otelhttp.NewHandler(named, "flower")
}

func (f *Flower) Addr() string { return ":" + strconv.Itoa(f.Port) }
