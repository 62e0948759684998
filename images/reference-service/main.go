// Command toolboxai-reference is the ToolboxAI platform's reference service: a contract test
// that plays the platform's own images (backend, dashboard, mcp-server, agent-coordinator,
// roblox-sync, Celery worker/beat/Flower) exactly as the stacks declare them. It is not the
// ToolboxAI product.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

var version = "0.1.0"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	code := run(ctx, os.Args, os.Environ(), os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func envLookup(environ []string) func(string) string {
	m := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return func(k string) string { return m[k] }
}

// fatal writes one JSON line naming the failure (never a secret) and returns exit status 1.
func fatal(w io.Writer, service, msg string, err error) int {
	l := slog.New(slog.NewJSONHandler(w, nil))
	l.Error(msg, "service", service, "reference_service", true, "error", err.Error())
	return 1
}

// run is main without the process: argv dispatch, secrets, telemetry, the role.
func run(ctx context.Context, argv, environ []string, stdout, stderr io.Writer) int {
	inv, err := ParseArgs(argv)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	switch inv.Role {
	case "help":
		fmt.Fprint(stdout, usage)
		return 0
	case "version":
		fmt.Fprintf(stdout, "toolboxai-reference %s (contract test)\n", version)
		return 0
	}
	getenv := envLookup(environ)
	cli := inv.Role == "inspect-ping" || inv.Role == "status"
	name := getenv("OTEL_SERVICE_NAME")
	if name == "" {
		name = inv.Role
	}

	secrets, err := LoadSecrets(environ)
	if err != nil {
		return fatal(stderr, name, "contract check failed: secret files", err)
	}
	for _, v := range []string{"CELERY_BROKER_URL_FILE", "CELERY_RESULT_BACKEND_FILE"} {
		if err := secrets.ValidateRedisURL(v); err != nil {
			return fatal(stderr, name, "contract check failed: broker URL", err)
		}
	}
	if err := CheckRedisModes(getenv, secrets); err != nil {
		return fatal(stderr, name, "contract check failed: Redis wiring", err)
	}

	levelName := getenv("LOG_LEVEL")
	if inv.LogLevel != "" {
		levelName = inv.LogLevel
	}
	level, known := ParseLevel(levelName)
	if cli {
		// Probe commands: stdout is for `| grep`, logs only for trouble, on stderr.
		l := slog.New(newRedactingHandler(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}), secrets.Values()))
		redis.SetLogger(redisLogger{l})
		return runCLI(ctx, inv, secrets, getenv, l, stdout)
	}

	var cfg ServiceConfig
	if inv.Role == "http" {
		if cfg, err = ServiceConfigFromEnv(inv, getenv); err != nil {
			return fatal(stderr, name, "contract check failed: environment", err)
		}
		name = cfg.Service
	}
	tel, err := SetupTelemetry(ctx, name, inv.Role, level, stdout, secrets)
	if err != nil {
		return fatal(stderr, name, "telemetry setup failed", err)
	}
	log := tel.Logger
	redis.SetLogger(redisLogger{log})
	defer func() {
		c, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = tel.Shutdown(c)
	}()
	if !known {
		log.Warn("unknown log level, using INFO", "log_level", levelName)
	}
	log.Info("ToolboxAI reference service starting: a contract test of the platform, not the product",
		"version", version, "argv_role", inv.Role, "secret_files", secrets.Names(), "uid", os.Getuid())

	deps, err := OpenDeps(getenv, secrets, log)
	if err != nil {
		log.Error("contract check failed: data wiring", "error", err)
		return 1
	}
	defer deps.Close()

	switch inv.Role {
	case "http":
		srv := NewServer(cfg, deps, secrets, log)
		go watchDeps(ctx, deps)
		return serve(ctx, log, fmt.Sprintf(":%d", cfg.Port), srv.Handler())
	case "worker", "beat", "flower":
		return withBroker(secrets, getenv, log, func(broker, results *redis.Client) int {
			switch inv.Role {
			case "worker":
				w := &Worker{Node: inv.NodeName, Broker: broker, Results: results, Deps: deps, Log: log}
				if err := w.Run(ctx); err != nil {
					log.Error("worker failed", "error", err)
					return 1
				}
				return 0
			case "beat":
				b := &Beat{Schedule: inv.Schedule, Broker: broker, Log: log}
				if err := b.Run(ctx); err != nil {
					log.Error("beat failed", "error", err)
					return 1
				}
				return 0
			default:
				conf := inv.Conf
				if conf == "" {
					conf = getenv("FLOWER_CONFIG_FILE")
				}
				if conf == "" {
					log.Error("contract check failed: flower needs --conf (or FLOWER_CONFIG_FILE) for its basic auth")
					return 1
				}
				creds, err := LoadFlowerConfig(conf)
				if err != nil {
					log.Error("contract check failed: flower config", "error", err)
					return 1
				}
				f := NewFlower(inv.Port, creds, broker, log)
				go f.Consume(ctx)
				return serve(ctx, log, f.Addr(), f.Handler())
			}
		})
	}
	log.Error("unknown role", "role", inv.Role)
	return 2
}

func runCLI(ctx context.Context, inv Invocation, secrets *Secrets, getenv func(string) string, log *slog.Logger, stdout io.Writer) int {
	return withBroker(secrets, getenv, log, func(broker, _ *redis.Client) int {
		if inv.Role == "status" {
			return Status(ctx, broker, inv.Destination, inv.Timeout, stdout)
		}
		return InspectPing(ctx, broker, inv.Destination, inv.Timeout, stdout)
	})
}

// withBroker opens the Celery broker and result backend from their secret files, runs use with
// them and closes them; a missing or invalid broker URL fails the contract check.
func withBroker(secrets *Secrets, getenv func(string) string, log *slog.Logger, use func(broker, results *redis.Client) int) int {
	broker, results, err := BrokerClients(secrets, getenv)
	if err != nil {
		log.Error("contract check failed: Celery broker", "error", err)
		return 1
	}
	defer broker.Close()
	defer results.Close()
	return use(broker, results)
}

// watchDeps checks the stores every 10 s so a store coming up or going away is logged even
// without probe traffic.
func watchDeps(ctx context.Context, deps *Deps) {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		deps.Check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// serve listens until ctx ends, then drains for at most 5 s.
func serve(ctx context.Context, log *slog.Logger, addr string, h http.Handler) int {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Error("cannot listen", "addr", addr, "error", err)
		return 1
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		log.Error("server stopped", "error", err)
		return 1
	case <-ctx.Done():
	}
	log.Info("shutting down (signal received)")
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(c); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		log.Warn("shutdown", "error", err)
	}
	log.Info("stopped")
	return 0
}
