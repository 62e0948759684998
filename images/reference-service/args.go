package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Invocation is what argv asks for: an HTTP service, or one of the Celery roles the stacks run
// (`celery -A app.celery_app worker|beat|flower|inspect ping|status …`).
type Invocation struct {
	Role string // "http", "worker", "beat", "flower", "inspect-ping", "status", "version", "help"

	Service     string        // http: the service name (defaults to OTEL_SERVICE_NAME)
	App         string        // -A / --app
	LogLevel    string        // --loglevel / -l
	Schedule    string        // beat: --schedule / -s
	Port        int           // flower: --port
	Conf        string        // flower: --conf
	Destination []string      // inspect ping: -d / --destination (comma-separated)
	Timeout     time.Duration // inspect ping / status: --timeout (seconds)
	NodeName    string        // worker: -n / --hostname
}

const usage = `toolboxai-reference: the ToolboxAI platform's reference service (a contract test, not the product)

usage:
  toolboxai-reference [serve] [--service NAME]     HTTP service (name from OTEL_SERVICE_NAME)
  celery -A APP worker [--loglevel L] [-n NAME]    Celery worker role
  celery -A APP beat --schedule FILE [--loglevel L]
  celery -A APP flower --port=N --conf=FILE
  celery -A APP inspect ping [-d celery@HOST] [--timeout S]
  celery -A APP status [--timeout S]
`

// ParseArgs dispatches on argv: argv[0] named "celery" (the image's symlink) or a first
// argument "celery" selects the Celery roles; anything else is the HTTP service.
func ParseArgs(argv []string) (Invocation, error) {
	if len(argv) == 0 {
		return Invocation{Role: "http"}, nil
	}
	args := argv[1:]
	if filepath.Base(argv[0]) == "celery" {
		return parseCelery(args)
	}
	if len(args) > 0 && args[0] == "celery" {
		return parseCelery(args[1:])
	}
	inv := Invocation{Role: "http"}
	if len(args) > 0 {
		switch args[0] {
		case "serve":
			args = args[1:]
		case "version", "--version":
			return Invocation{Role: "version"}, nil
		case "help", "-h", "--help":
			return Invocation{Role: "help"}, nil
		}
	}
	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(args[i], "=")
		switch name {
		case "--service":
			if !hasValue {
				if i+1 >= len(args) {
					return inv, fmt.Errorf("--service needs a value")
				}
				i++
				value = args[i]
			}
			inv.Service = value
		default:
			return inv, fmt.Errorf("unknown argument %q\n\n%s", args[i], usage)
		}
	}
	return inv, nil
}

func parseCelery(args []string) (Invocation, error) {
	inv := Invocation{Timeout: time.Second}
	var positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		name, value, hasValue := strings.Cut(a, "=")
		takesValue := map[string]bool{
			"-A": true, "--app": true, "--loglevel": true, "-l": true, "--schedule": true, "-s": true,
			"--port": true, "--conf": true, "-d": true, "--destination": true, "--timeout": true,
			"-t": true, "-n": true, "--hostname": true, "-b": true, "--broker": true, "-Q": true,
			"--queues": true, "-c": true, "--concurrency": true, "--pidfile": true, "--workdir": true,
		}
		if !takesValue[name] {
			switch name {
			case "--help", "-h":
				return Invocation{Role: "help"}, nil
			case "--json", "-j", "--without-gossip", "--without-mingle", "--without-heartbeat", "-B", "--beat", "--detach":
				continue // accepted, no effect
			}
			return inv, fmt.Errorf("celery: unsupported option %q", a)
		}
		if !hasValue {
			if i+1 >= len(args) {
				return inv, fmt.Errorf("celery: option %s needs a value", name)
			}
			i++
			value = args[i]
		}
		switch name {
		case "-A", "--app":
			inv.App = value
		case "--loglevel", "-l":
			inv.LogLevel = value
		case "--schedule", "-s":
			inv.Schedule = value
		case "--port":
			p, err := strconv.Atoi(value)
			if err != nil || p <= 0 || p > 65535 {
				return inv, fmt.Errorf("celery: --port %q is not a port", value)
			}
			inv.Port = p
		case "--conf":
			inv.Conf = value
		case "-d", "--destination":
			for _, d := range strings.Split(value, ",") {
				if d = strings.TrimSpace(d); d != "" {
					inv.Destination = append(inv.Destination, d)
				}
			}
		case "--timeout", "-t":
			f, err := strconv.ParseFloat(value, 64)
			if err != nil || f <= 0 {
				return inv, fmt.Errorf("celery: --timeout %q is not a positive number of seconds", value)
			}
			inv.Timeout = time.Duration(f * float64(time.Second))
		case "-n", "--hostname":
			inv.NodeName = value
		}
	}
	if len(positional) == 0 {
		return inv, fmt.Errorf("celery: no command (worker, beat, flower, inspect ping, status)\n\n%s", usage)
	}
	switch positional[0] {
	case "worker", "beat", "flower", "status":
		if len(positional) > 1 {
			return inv, fmt.Errorf("celery %s: unexpected argument %q", positional[0], positional[1])
		}
		inv.Role = positional[0]
	case "inspect":
		if len(positional) != 2 || positional[1] != "ping" {
			return inv, fmt.Errorf("celery inspect: only `inspect ping` is implemented by the reference service")
		}
		inv.Role = "inspect-ping"
	default:
		return inv, fmt.Errorf("celery: unknown command %q", positional[0])
	}
	if inv.App == "" {
		return inv, fmt.Errorf("celery %s: -A/--app is required (the platform passes -A app.celery_app)", positional[0])
	}
	switch inv.Role {
	case "beat":
		if inv.Schedule == "" {
			inv.Schedule = "celerybeat-schedule"
		}
	case "flower":
		if inv.Port == 0 {
			inv.Port = 5555
		}
	case "worker":
		if inv.NodeName == "" {
			inv.NodeName = "celery@%h"
		}
		inv.NodeName = strings.ReplaceAll(inv.NodeName, "%h", hostname())
	}
	return inv, nil
}

// hostname is the kernel's host name (what $HOSTNAME holds in a container), without a user
// database lookup.
func hostname() string {
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	if h := os.Getenv("HOSTNAME"); h != "" {
		return h
	}
	return "localhost"
}
