package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
)

// Deps are the data stores a service was given: PostgreSQL when DATABASE_HOST is set, Redis when
// REDIS_HOST (direct) or REDIS_SENTINEL_HOSTS (through Sentinel) is set. Connections are lazy and
// retried on every check: a store that is not up yet makes the service unready, never makes it
// exit.
type Deps struct {
	DB         *pgxpool.Pool // nil: no database wiring (roblox-sync, dashboard)
	Redis      *redis.Client // nil: no Redis wiring
	RedisWired RedisWiring   // how Redis was wired (Mode "" without Redis)

	log       *slog.Logger
	mu        sync.Mutex
	last      map[string]string // last logged state per dependency
	tableDone bool
}

// CheckResult is one dependency's state, as /health reports it.
type CheckResult struct {
	Status  string `json:"status"` // "up", "down", "skipped"
	Error   string `json:"error,omitempty"`
	Latency string `json:"latency,omitempty"`
}

func requireEnv(getenv func(string) string, names ...string) error {
	var missing []string
	for _, n := range names {
		if getenv(n) == "" {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("contract: %v must be set alongside the other database/Redis variables", missing)
	}
	return nil
}

// OpenDeps builds the clients from the platform's variables (nothing connects yet).
func OpenDeps(getenv func(string) string, secrets *Secrets, log *slog.Logger) (*Deps, error) {
	d := &Deps{log: log, last: map[string]string{}}
	if getenv("DATABASE_HOST") != "" {
		if err := requireEnv(getenv, "DATABASE_PORT", "DATABASE_NAME", "DATABASE_USER", "DATABASE_PASSWORD_FILE"); err != nil {
			return nil, err
		}
		port, err := strconv.Atoi(getenv("DATABASE_PORT"))
		if err != nil {
			return nil, fmt.Errorf("contract: DATABASE_PORT=%q is not a port", getenv("DATABASE_PORT"))
		}
		password, _ := secrets.Get("DATABASE_PASSWORD_FILE")
		sslmode := getenv("DATABASE_SSLMODE") // not in the contract; "prefer" (TLS when offered) by default
		if sslmode == "" {
			sslmode = "prefer"
		}
		q := url.Values{"sslmode": {sslmode}, "application_name": {"toolboxai-reference"}, "connect_timeout": {"3"}}
		dsn := url.URL{
			Scheme: "postgres", User: url.UserPassword(getenv("DATABASE_USER"), password),
			Host: net.JoinHostPort(getenv("DATABASE_HOST"), strconv.Itoa(port)),
			Path: "/" + getenv("DATABASE_NAME"), RawQuery: q.Encode(),
		}
		cfg, err := pgxpool.ParseConfig(dsn.String())
		if err != nil {
			// The parse error would quote the connection string: say only what is wrong where.
			return nil, fmt.Errorf("contract: DATABASE_HOST/PORT/NAME/USER (and DATABASE_SSLMODE if set) do not form a valid PostgreSQL connection (details not shown)")
		}
		cfg.MaxConns = 4
		cfg.MinConns = 0
		cfg.HealthCheckPeriod = 30 * time.Second
		// A failover (CloudNativePG's read-write Service moving to the new primary) leaves the
		// pool with connections to the old one. Closed ones are destroyed on release and a
		// connection idle over 1 s is pinged before use, but neither is bounded without a
		// deadline: a peer gone without a reset (its node lost) would hold the caller until TCP
		// gives up (~15 min). So the acquire ping and every query have a deadline (dbTimeout): on
		// it pgx closes the connection, the pool drops it and the next one dials the Service.
		cfg.PingTimeout = 2 * time.Second
		pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
		if err != nil {
			return nil, fmt.Errorf("database pool: %w", err)
		}
		d.DB = pool
	}
	wiring, err := RedisWiringFromEnv(getenv)
	if err != nil {
		if d.DB != nil {
			d.DB.Close()
		}
		return nil, err
	}
	d.RedisWired = wiring
	password, _ := secrets.Get("REDIS_PASSWORD_FILE")
	switch wiring.Mode {
	case "direct":
		d.Redis = redis.NewClient(&redis.Options{
			Addr:         wiring.Addr,
			Password:     password,
			DialTimeout:  redisDialTimeout,
			ReadTimeout:  redisIOTimeout,
			WriteTimeout: redisIOTimeout,
			PoolSize:     4,
			MaxRetries:   1,
			// A store that is down answers the probe in well under its 2 s budget.
			DialerRetries: 2,
		})
	case "sentinel":
		// One password for the Redis servers and the Sentinels (their requirepass).
		opts := sentinelOptions(wiring.Master, wiring.Sentinels, password, "", password, 0)
		opts.PoolSize, opts.MaxRetries = 4, 1
		d.Redis = redis.NewFailoverClient(opts)
	}
	return d, nil
}

// Close releases the pools.
func (d *Deps) Close() {
	if d.DB != nil {
		d.DB.Close()
	}
	if d.Redis != nil {
		_ = d.Redis.Close()
	}
}

// Check pings every configured store (concurrently, 2 s each) and logs state changes.
func (d *Deps) Check(ctx context.Context) map[string]CheckResult {
	out := map[string]CheckResult{"database": {Status: "skipped"}, "redis": {Status: "skipped"}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	run := func(name string, ping func(context.Context) error) {
		defer wg.Done()
		c, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		start := time.Now()
		err := ping(c)
		r := CheckResult{Status: "up", Latency: time.Since(start).Round(time.Microsecond).String()}
		if err != nil {
			r = CheckResult{Status: "down", Error: err.Error()}
		}
		mu.Lock()
		out[name] = r
		mu.Unlock()
	}
	if d.DB != nil {
		wg.Add(1)
		go run("database", func(c context.Context) error { return d.DB.Ping(c) })
	}
	if d.Redis != nil {
		wg.Add(1)
		if d.RedisWired.Mode == "sentinel" {
			go run("redis", func(c context.Context) error { return redisRole(c, d.Redis) })
		} else {
			go run("redis", func(c context.Context) error { return d.Redis.Ping(c).Err() })
		}
	}
	wg.Wait()
	d.logTransitions(out)
	return out
}

func (d *Deps) logTransitions(out map[string]CheckResult) {
	if d.log == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for name, r := range out {
		if r.Status == "skipped" || d.last[name] == r.Status {
			continue
		}
		d.last[name] = r.Status
		if r.Status == "up" {
			d.log.Info("dependency reachable", "dependency", name)
		} else {
			d.log.Warn("dependency unreachable (will keep retrying)", "dependency", name, "error", r.Error)
		}
	}
}

// Ready is true when every configured store answered.
func Ready(results map[string]CheckResult) bool {
	for _, r := range results {
		if r.Status == "down" {
			return false
		}
	}
	return true
}

var errNoDatabase = errors.New("no database configured (DATABASE_HOST unset)")

// dbTimeout bounds every query (see PingTimeout in OpenDeps): a connection to a primary that
// vanished fails within it and leaves the pool instead of blocking its caller.
const dbTimeout = 5 * time.Second

// rowsTable is the small table the backup round trip counts.
const rowsTable = "toolboxai_reference_rows"

func (d *Deps) ensureTable(ctx context.Context) error {
	if d.DB == nil {
		return errNoDatabase
	}
	d.mu.Lock()
	done := d.tableDone
	d.mu.Unlock()
	if done {
		return nil
	}
	_, err := d.DB.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+rowsTable+` (
		id bigserial PRIMARY KEY,
		note text NOT NULL DEFAULT '',
		created_at timestamptz NOT NULL DEFAULT now())`)
	if err == nil {
		d.mu.Lock()
		d.tableDone = true
		d.mu.Unlock()
	}
	return err
}

// InsertRow adds one row and returns its id.
func (d *Deps) InsertRow(ctx context.Context, note string) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, dbTimeout)
	defer cancel()
	if err := d.ensureTable(ctx); err != nil {
		return 0, err
	}
	var id int64
	err := d.DB.QueryRow(ctx, `INSERT INTO `+rowsTable+` (note) VALUES ($1) RETURNING id`, note).Scan(&id)
	return id, err
}

// CountRows counts the rows (0 when the table does not exist yet).
func (d *Deps) CountRows(ctx context.Context) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, dbTimeout)
	defer cancel()
	if err := d.ensureTable(ctx); err != nil {
		return 0, err
	}
	var n int64
	err := d.DB.QueryRow(ctx, `SELECT count(*) FROM `+rowsTable).Scan(&n)
	return n, err
}
