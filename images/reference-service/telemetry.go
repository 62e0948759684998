package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"go.opentelemetry.io/contrib/bridges/otelslog"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

const instrumentationName = "toolboxai.local/reference-service"

// ParseLevel maps LOG_LEVEL / --loglevel (Python's names included) to a slog level.
func ParseLevel(s string) (slog.Level, bool) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "DEBUG", "TRACE":
		return slog.LevelDebug, true
	case "INFO", "":
		return slog.LevelInfo, true
	case "WARN", "WARNING":
		return slog.LevelWarn, true
	case "ERROR", "CRITICAL", "FATAL":
		return slog.LevelError, true
	}
	return slog.LevelInfo, false
}

// Telemetry owns the providers to flush at shutdown.
type Telemetry struct {
	Logger    *slog.Logger
	shutdowns []func(context.Context) error
}

// Shutdown flushes spans and log records, bounded by ctx.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	var errs []error
	for i := len(t.shutdowns) - 1; i >= 0; i-- {
		errs = append(errs, t.shutdowns[i](ctx))
	}
	return errors.Join(errs...)
}

// tracesEnabled: only when an OTLP endpoint is configured (the dashboard has none) and the
// standard switch does not say otherwise.
func tracesEnabled(getenv func(string) string) bool {
	if getenv("OTEL_SDK_DISABLED") == "true" || getenv("OTEL_TRACES_EXPORTER") == "none" {
		return false
	}
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// logsExportEnabled: only with an explicit logs endpoint (OTEL_EXPORTER_OTLP_ENDPOINT points at
// Jaeger, which takes no logs).
func logsExportEnabled(getenv func(string) string) bool {
	if getenv("OTEL_SDK_DISABLED") == "true" || getenv("OTEL_LOGS_EXPORTER") == "none" {
		return false
	}
	return getenv("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT") != ""
}

// SetupTelemetry configures JSON logs on stdout (and OTLP logs when asked), OTLP/HTTP traces
// and W3C propagation. The SDK reads OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES and the
// OTEL_EXPORTER_OTLP_* variables itself.
func SetupTelemetry(ctx context.Context, service, role string, level slog.Level, stdout io.Writer, secrets *Secrets) (*Telemetry, error) {
	t := &Telemetry{}
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))

	res, err := buildResource(ctx, service, role)
	if err != nil {
		return nil, err
	}

	var handlers []slog.Handler
	handlers = append(handlers, traceIDHandler{slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: slog.LevelDebug})})
	if logsExportEnabled(os.Getenv) {
		exp, err := otlploghttp.New(ctx)
		if err != nil {
			return nil, err
		}
		lp := sdklog.NewLoggerProvider(sdklog.WithResource(res), sdklog.WithProcessor(sdklog.NewBatchProcessor(exp)))
		t.shutdowns = append(t.shutdowns, lp.Shutdown)
		handlers = append(handlers, otelslog.NewHandler(instrumentationName, otelslog.WithLoggerProvider(lp)))
	}
	var h slog.Handler = slog.NewMultiHandler(handlers...)
	h = &levelHandler{level: level, inner: h}
	h = newRedactingHandler(h, secrets.Values())
	t.Logger = slog.New(h).With("service", service, "role", role, "reference_service", true)

	if tracesEnabled(os.Getenv) {
		exp, err := otlptracehttp.New(ctx)
		if err != nil {
			return nil, err
		}
		tp := sdktrace.NewTracerProvider(sdktrace.WithResource(res), sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(2*time.Second)))
		otel.SetTracerProvider(tp)
		t.shutdowns = append(t.shutdowns, tp.Shutdown)
	}
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		t.Logger.Warn("opentelemetry export error", "error", err)
	}))
	return t, nil
}

func buildResource(ctx context.Context, service, role string) (*resource.Resource, error) {
	attrs := []attribute.KeyValue{
		attribute.String("toolboxai.reference_service", "contract-test"),
		attribute.String("toolboxai.role", role),
	}
	if os.Getenv("OTEL_SERVICE_NAME") == "" {
		attrs = append(attrs, attribute.String("service.name", service))
	}
	// WithFromEnv last: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win.
	r, err := resource.New(ctx, resource.WithTelemetrySDK(), resource.WithAttributes(attrs...), resource.WithFromEnv())
	if err != nil && r == nil {
		return nil, err
	}
	return r, nil
}

// levelHandler applies LOG_LEVEL to every sink (the OTLP bridge has no level of its own).
type levelHandler struct {
	level slog.Level
	inner slog.Handler
}

func (h *levelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level && h.inner.Enabled(ctx, l)
}
func (h *levelHandler) Handle(ctx context.Context, r slog.Record) error {
	return h.inner.Handle(ctx, r)
}
func (h *levelHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return &levelHandler{h.level, h.inner.WithAttrs(a)}
}
func (h *levelHandler) WithGroup(n string) slog.Handler {
	return &levelHandler{h.level, h.inner.WithGroup(n)}
}

// traceIDHandler adds trace_id/span_id to JSON lines so stdout logs join traces.
type traceIDHandler struct{ inner slog.Handler }

func (h traceIDHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}
func (h traceIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r = r.Clone()
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.inner.Handle(ctx, r)
}
func (h traceIDHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return traceIDHandler{h.inner.WithAttrs(a)}
}
func (h traceIDHandler) WithGroup(n string) slog.Handler { return traceIDHandler{h.inner.WithGroup(n)} }

// redactingHandler is the last line of defence: any attribute or message containing a secret
// value is replaced before it reaches a sink.
type redactingHandler struct {
	inner   slog.Handler
	secrets []string
}

const redacted = "[REDACTED]"

func newRedactingHandler(inner slog.Handler, secrets []string) slog.Handler {
	var keep []string
	for _, s := range secrets {
		if len(s) >= 4 { // shorter values would redact ordinary words
			keep = append(keep, s)
		}
	}
	return &redactingHandler{inner: inner, secrets: keep}
}

func (h *redactingHandler) scrub(s string) string {
	for _, v := range h.secrets {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, redacted)
		}
	}
	return s
}

func (h *redactingHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.scrub(v.String()))
	case slog.KindGroup:
		var out []any
		for _, g := range v.Group() {
			out = append(out, h.attr(g))
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, h.scrub(err.Error()))
		}
		if st, ok := v.Any().(interface{ String() string }); ok {
			return slog.String(a.Key, h.scrub(st.String()))
		}
		return a
	default:
		return a
	}
}

func (h *redactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *redactingHandler) Handle(ctx context.Context, r slog.Record) error {
	if len(h.secrets) == 0 {
		return h.inner.Handle(ctx, r)
	}
	out := slog.NewRecord(r.Time, r.Level, h.scrub(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.inner.Handle(ctx, out)
}

func (h *redactingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	var clean []slog.Attr
	for _, a := range as {
		clean = append(clean, h.attr(a))
	}
	return &redactingHandler{inner: h.inner.WithAttrs(clean), secrets: h.secrets}
}

func (h *redactingHandler) WithGroup(n string) slog.Handler {
	return &redactingHandler{inner: h.inner.WithGroup(n), secrets: h.secrets}
}

// tracer is the service's tracer (a no-op until SetupTelemetry installs a provider).
func tracer() trace.Tracer { return otel.Tracer(instrumentationName) }

// redisLogger routes go-redis's internal messages (dial retries …) into the JSON log at DEBUG,
// instead of plain lines on stderr.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis client: "+fmt.Sprintf(format, v...))
}
