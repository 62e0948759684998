package main

import (
	"context"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Integration: PostgreSQL failover as the pool sees it. CloudNativePG's read-write Service moves
// to the new primary; connections opened before stay with the old one, which may be gone without
// a reset (its node lost). freezeProxy plays that: after freeze(), the connections it carries
// forward nothing any more and are never closed, while new connections still reach the server.

type freezeProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	frozen []*atomic.Bool // one per connection so far
	conns  []net.Conn
}

func newFreezeProxy(t *testing.T, target string) *freezeProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezeProxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(p.close)
	return p
}

// close ends every connection (the frozen ones too: otherwise closing the pool waits up to
// 15 s for each to acknowledge its Terminate message) and stops listening.
func (p *freezeProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

func (p *freezeProxy) port() string {
	_, port, _ := net.SplitHostPort(p.ln.Addr().String())
	return port
}

func (p *freezeProxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		frozen := &atomic.Bool{}
		p.mu.Lock()
		p.frozen = append(p.frozen, frozen)
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		pipe := func(dst, src net.Conn) {
			buf := make([]byte, 32<<10)
			for {
				n, err := src.Read(buf)
				if err != nil {
					return
				}
				if frozen.Load() {
					_, _ = io.Copy(io.Discard, src) // swallowed: no reply, no reset
					return
				}
				if _, err := dst.Write(buf[:n]); err != nil {
					return
				}
			}
		}
		go pipe(out, in)
		go pipe(in, out)
	}
}

// freeze silences every connection opened so far.
func (p *freezeProxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.frozen {
		f.Store(true)
	}
}

func TestIntegrationPostgresPoolLeavesAVanishedPrimary(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping integration")
	}
	const dbPW = "it-db-password-5432"
	pport := realPostgres(t, "toolboxai", dbPW)
	proxy := newFreezeProxy(t, "127.0.0.1:"+pport)
	dir := t.TempDir()
	env := []string{
		"DATABASE_HOST=127.0.0.1", "DATABASE_PORT=" + proxy.port(), "DATABASE_NAME=postgres", "DATABASE_USER=toolboxai",
		"DATABASE_PASSWORD_FILE=" + writeSecret(t, dir, "database-password", dbPW),
	}
	deps, err := OpenDeps(envLookup(env), mustLoadSecrets(t, env), testLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer deps.Close()
	defer proxy.close() // first
	ctx := context.Background()
	if _, err := deps.InsertRow(ctx, "before the failover"); err != nil {
		t.Fatal(err)
	}
	// bounded runs f, which must return within limit (a query on a dead connection must not hang).
	bounded := func(what string, limit time.Duration, f func() error) (time.Duration, error) {
		t.Helper()
		start := time.Now()
		done := make(chan error, 1)
		go func() { done <- f() }()
		select {
		case err := <-done:
			return time.Since(start), err
		case <-time.After(limit):
			t.Fatalf("%s: still blocked after %v on a connection to a vanished primary", what, limit)
			return 0, nil
		}
	}
	count := func() error { _, err := deps.CountRows(ctx); return err }

	// A connection just used (no ping on acquire): the query's deadline ends it.
	proxy.freeze()
	took, err := bounded("a query at once", 8*time.Second, count)
	t.Logf("query on a just-used connection to the vanished primary: %v after %v", err, took.Round(time.Millisecond))
	if took, err = bounded("the next query", 8*time.Second, count); err != nil {
		t.Fatalf("the next query did not get a new connection: %v", err)
	}
	t.Logf("the next query, on a new connection: ok after %v", took.Round(time.Millisecond))

	// A connection idle over 1 s is pinged on acquire: PingTimeout drops it, a new one serves.
	time.Sleep(1200 * time.Millisecond)
	proxy.freeze()
	if took, err = bounded("a query after idling", 8*time.Second, count); err != nil {
		t.Fatalf("the query after idling: %v", err)
	}
	t.Logf("query after 1.2 s idle, its connection to the vanished primary: ok after %v (the acquire ping dropped it)", took.Round(time.Millisecond))
	if r := deps.Check(ctx)["database"]; r.Status != "up" {
		t.Fatalf("/health's database check: %+v", r)
	}

	// The worker's task (SELECT 1) is bounded too: the worker loop is never held by it.
	proxy.freeze()
	w := &Worker{Node: "celery@pg-it", Deps: deps, Log: testLogger(nil)}
	_, _ = bounded("the worker's task", 8*time.Second, func() error { _, err := w.execute(ctx, checkTaskName); return err })
	if _, err := w.execute(ctx, checkTaskName); err != nil {
		t.Fatalf("the worker's next task: %v", err)
	}
}
