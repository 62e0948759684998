package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
)

// fakeCollector is a FAKE OTLP/HTTP receiver (not Jaeger or Loki): it records what arrives.
type fakeCollector struct {
	mu     sync.Mutex
	bodies map[string][]string
	ctypes map[string]string
}

func (f *fakeCollector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.bodies[r.URL.Path] = append(f.bodies[r.URL.Path], string(b))
	f.ctypes[r.URL.Path] = r.Header.Get("Content-Type")
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK)
}

func (f *fakeCollector) get(path string) ([]string, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.bodies[path]...), f.ctypes[path]
}

// Traces go to OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces; logs go over OTLP only when
// OTEL_EXPORTER_OTLP_LOGS_ENDPOINT is set (as Loki's /otlp/v1/logs), redacted like stdout.
func TestOTLPExport(t *testing.T) {
	fc := &fakeCollector{bodies: map[string][]string{}, ctypes: map[string]string{}}
	srv := httptest.NewServer(fc)
	defer srv.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	t.Setenv("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", srv.URL+"/otlp/v1/logs")
	t.Setenv("OTEL_SERVICE_NAME", "backend")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "service.namespace=toolboxai,deployment.environment.name=test")
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	t.Cleanup(func() { otel.SetTracerProvider(prevTP); otel.SetTextMapPropagator(prevProp) })

	dir := t.TempDir()
	secrets := mustLoadSecrets(t, []string{"JWT_SECRET_FILE=" + writeSecret(t, dir, "jwt", "jwt-otlp-secret-42")})
	var stdout syncBuffer
	tel, err := SetupTelemetry(context.Background(), "backend", "http", slog.LevelDebug, &stdout, secrets)
	if err != nil {
		t.Fatal(err)
	}
	if fields := otel.GetTextMapPropagator().Fields(); !strings.Contains(strings.Join(fields, ","), "traceparent") {
		t.Fatalf("W3C trace context not installed: %v", fields)
	}
	ctx, span := tracer().Start(context.Background(), "unit-span")
	tel.Logger.InfoContext(ctx, "shipped record with jwt-otlp-secret-42")
	span.End()
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := tel.Shutdown(c); err != nil {
		t.Fatal(err)
	}

	traces, tct := fc.get("/v1/traces")
	if len(traces) == 0 || !strings.Contains(strings.Join(traces, ""), "unit-span") || tct != "application/x-protobuf" {
		t.Fatalf("traces: %d bodies, content-type %q", len(traces), tct)
	}
	if !strings.Contains(strings.Join(traces, ""), "toolboxai") {
		t.Fatal("OTEL_RESOURCE_ATTRIBUTES not applied")
	}
	logs, _ := fc.get("/otlp/v1/logs")
	all := strings.Join(logs, "")
	if len(logs) == 0 || !strings.Contains(all, "shipped record") {
		t.Fatalf("logs not shipped: %v", fc.bodies)
	}
	if strings.Contains(all, "jwt-otlp-secret-42") || strings.Contains(stdout.String(), "jwt-otlp-secret-42") {
		t.Fatal("secret shipped")
	}
	if got, _ := fc.get("/v1/logs"); len(got) != 0 {
		t.Fatal("logs sent to the traces endpoint (Jaeger takes no logs)")
	}
	// The stdout line carries the trace id, so logs join traces.
	if !strings.Contains(stdout.String(), span.SpanContext().TraceID().String()) {
		t.Fatalf("no trace_id on stdout: %s", stdout.String())
	}
}

func TestTelemetryOffWithoutEndpoint(t *testing.T) {
	get := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if tracesEnabled(get(map[string]string{})) || logsExportEnabled(get(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger:4318"})) {
		t.Fatal("exporting without an endpoint of its own")
	}
	if !tracesEnabled(get(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://jaeger:4318"})) {
		t.Fatal("traces off with an endpoint")
	}
	if tracesEnabled(get(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "x", "OTEL_SDK_DISABLED": "true"})) {
		t.Fatal("OTEL_SDK_DISABLED ignored")
	}
}
