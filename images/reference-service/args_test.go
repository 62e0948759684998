package main

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestArgvDispatch(t *testing.T) {
	host := hostname()
	cases := []struct {
		argv []string
		want Invocation
	}{
		{[]string{"/usr/local/bin/toolboxai-reference"}, Invocation{Role: "http"}},
		{[]string{"toolboxai-reference", "serve", "--service", "dashboard"}, Invocation{Role: "http", Service: "dashboard"}},
		// The stacks' entrypoints, verbatim.
		{[]string{"celery", "-A", "app.celery_app", "worker", "--loglevel", "debug"},
			Invocation{Role: "worker", App: "app.celery_app", LogLevel: "debug", Timeout: time.Second, NodeName: "celery@" + host}},
		{[]string{"/usr/local/bin/celery", "-A", "app.celery_app", "beat", "--schedule", "/tmp/celerybeat-schedule", "--loglevel", "debug"},
			Invocation{Role: "beat", App: "app.celery_app", LogLevel: "debug", Schedule: "/tmp/celerybeat-schedule", Timeout: time.Second}},
		{[]string{"celery", "-A", "app.celery_app", "flower", "--port=5555", "--conf=/run/secrets/flower-config"},
			Invocation{Role: "flower", App: "app.celery_app", Port: 5555, Conf: "/run/secrets/flower-config", Timeout: time.Second}},
		{[]string{"celery", "-A", "app.celery_app", "inspect", "ping", "-d", "celery@abc123", "--timeout", "10"},
			Invocation{Role: "inspect-ping", App: "app.celery_app", Destination: []string{"celery@abc123"}, Timeout: 10 * time.Second}},
		{[]string{"celery", "-A", "app.celery_app", "status", "--timeout", "10"},
			Invocation{Role: "status", App: "app.celery_app", Timeout: 10 * time.Second}},
		// Through the main binary name.
		{[]string{"toolboxai-reference", "celery", "-A", "x", "worker", "-n", "w1@%h"},
			Invocation{Role: "worker", App: "x", Timeout: time.Second, NodeName: "w1@" + host}},
	}
	for _, c := range cases {
		got, err := ParseArgs(c.argv)
		if err != nil {
			t.Errorf("%v: %v", c.argv, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v:\n got %+v\nwant %+v", c.argv, got, c.want)
		}
	}
}

func TestArgvRejects(t *testing.T) {
	for _, argv := range [][]string{
		{"celery", "-A", "app.celery_app"},                    // no command
		{"celery", "worker"},                                  // no -A
		{"celery", "-A", "a", "inspect", "stats"},             // only ping
		{"celery", "-A", "a", "flower", "--port=http"},        // bad port
		{"celery", "-A", "a", "inspect", "ping", "--timeout"}, // missing value
		{"celery", "-A", "a", "purge"},                        // unknown command
		{"toolboxai-reference", "--frobnicate"},               // unknown flag
	} {
		if _, err := ParseArgs(argv); err == nil {
			t.Errorf("%v accepted", argv)
		} else if strings.TrimSpace(err.Error()) == "" {
			t.Errorf("%v: empty error", argv)
		}
	}
}
