package main

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// Metric families the platform's spec promises (components/app/wiring.ts httpMetricFamilies,
// backend.ts backendMetricFamilies, celery.ts flowerMetricFamilies).
var (
	HTTPFamilies    = []string{"http_requests_total", "http_request_duration_seconds"}
	BackendFamilies = []string{"toolboxai_auth_attempts_total", "toolboxai_rate_limited_requests_total", "toolboxai_active_sessions"}
	FlowerFamilies  = []string{"flower_events_total", "flower_worker_online", "flower_task_runtime_seconds"}
)

// HTTPMetrics are the FastAPI instrumentator's families: labels handler (the route, never the
// raw path), method, status.
type HTTPMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

func NewHTTPMetrics(reg prometheus.Registerer) *HTTPMetrics {
	m := &HTTPMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "Total number of requests by handler, method and status.",
		}, []string{"handler", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "Latency of the requests by handler and method.",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}, []string{"handler", "method"}),
	}
	reg.MustRegister(m.requests, m.duration)
	// The probe's series exists from the start (a true zero), so the families are present on
	// the very first scrape.
	m.requests.WithLabelValues("/health", "GET", "200")
	m.duration.WithLabelValues("/health", "GET")
	return m
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Middleware records every request under its route pattern ("none" when no route matched).
func (m *HTTPMetrics) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		handler := routeOf(r)
		// The route is known only once the mux has matched: name the span after it.
		if span := trace.SpanFromContext(r.Context()); span.IsRecording() {
			span.SetName(r.Method + " " + handler)
			span.SetAttributes(attribute.String("http.route", handler))
		}
		m.requests.WithLabelValues(handler, r.Method, strconv.Itoa(rec.status)).Inc()
		m.duration.WithLabelValues(handler, r.Method).Observe(time.Since(start).Seconds())
	})
}

// routeOf returns the matched ServeMux pattern without its method ("GET /api/rows" → "/api/rows").
func routeOf(r *http.Request) string {
	p := r.Pattern
	if p == "" {
		return "none"
	}
	if _, path, ok := strings.Cut(p, " "); ok {
		p = path
	}
	return strings.TrimSuffix(p, "{$}")
}

// BackendMetrics are the security dashboard's families.
type BackendMetrics struct {
	authAttempts *prometheus.CounterVec
	rateLimited  prometheus.Counter
}

// NewBackendMetrics registers the backend families; activeSessions is read at scrape time.
func NewBackendMetrics(reg prometheus.Registerer, activeSessions func(context.Context) float64) *BackendMetrics {
	m := &BackendMetrics{
		authAttempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "toolboxai_auth_attempts_total",
			Help: "Sign-in attempts by result (success, failure).",
		}, []string{"result"}),
		rateLimited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "toolboxai_rate_limited_requests_total",
			Help: "API requests refused by the per-client rate limit (HTTP 429).",
		}),
	}
	sessions := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "toolboxai_active_sessions",
		Help: "Sessions issued and not yet expired (kept in Redis).",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return activeSessions(ctx)
	})
	reg.MustRegister(m.authAttempts, m.rateLimited, sessions)
	m.authAttempts.WithLabelValues("success")
	m.authAttempts.WithLabelValues("failure")
	return m
}

func metricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}
