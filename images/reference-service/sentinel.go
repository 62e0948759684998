package main

// Redis through Sentinel. The platform wires Redis one of two ways, never both:
//
//   - direct: REDIS_HOST + REDIS_PORT; the Celery URLs are redis://:password@host:port/db;
//   - Sentinel: REDIS_SENTINEL_HOSTS (comma-separated host:port of the Sentinels) +
//     REDIS_SENTINEL_MASTER (the master name); the Celery URLs are kombu's Sentinel form,
//     sentinel://:password@s1:26379/db;sentinel://:password@s2:26379/db;… with the master name
//     in Celery's transport options (broker_transport_options / result_backend_transport_options
//     = {"master_name": REDIS_SENTINEL_MASTER, "sentinel_kwargs": {"password": …}}).
//
// REDIS_PASSWORD_FILE is the password of the Redis servers and of the Sentinels (the platform
// sets the Sentinels' requirepass to the same password). Clients are go-redis failover clients:
// they ask a Sentinel for the primary on every new connection and drop their connections when a
// Sentinel announces +switch-master, so a failover heals without a restart.

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/redis/go-redis/v9"
)

const sentinelScheme = "sentinel://"

// RedisWiring is where the platform says Redis is.
type RedisWiring struct {
	Mode      string   // "" (no Redis wiring), "direct" or "sentinel"
	Addr      string   // direct: host:port
	Sentinels []string // sentinel: host:port of each Sentinel
	Master    string   // sentinel: the master name
}

// RedisWiringFromEnv reads REDIS_HOST/REDIS_PORT (direct) or REDIS_SENTINEL_HOSTS/
// REDIS_SENTINEL_MASTER (Sentinel). Both modes at once, or half of one, is a contract error.
// (These variables are not secrets: the messages may quote them.)
func RedisWiringFromEnv(getenv func(string) string) (RedisWiring, error) {
	host, port := getenv("REDIS_HOST"), getenv("REDIS_PORT")
	hosts, master := getenv("REDIS_SENTINEL_HOSTS"), getenv("REDIS_SENTINEL_MASTER")
	switch {
	case hosts != "" && (host != "" || port != ""):
		return RedisWiring{}, fmt.Errorf("contract: REDIS_SENTINEL_HOSTS (Sentinel mode) is set together with REDIS_HOST/REDIS_PORT (direct mode): set one mode only")
	case hosts != "":
		if master == "" {
			return RedisWiring{}, fmt.Errorf("contract: REDIS_SENTINEL_HOSTS is set without REDIS_SENTINEL_MASTER (the master name the Sentinels monitor)")
		}
		if err := validMasterName(master); err != nil {
			return RedisWiring{}, err
		}
		addrs, err := ParseSentinelHosts(hosts)
		if err != nil {
			return RedisWiring{}, err
		}
		return RedisWiring{Mode: "sentinel", Sentinels: addrs, Master: master}, nil
	case master != "":
		return RedisWiring{}, fmt.Errorf("contract: REDIS_SENTINEL_MASTER is set without REDIS_SENTINEL_HOSTS (the Sentinels to ask for it)")
	case host != "":
		if err := requireEnv(getenv, "REDIS_PORT"); err != nil {
			return RedisWiring{}, err
		}
		return RedisWiring{Mode: "direct", Addr: net.JoinHostPort(host, port)}, nil
	}
	return RedisWiring{}, nil
}

func validMasterName(name string) error {
	if strings.IndexFunc(name, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return fmt.Errorf("contract: REDIS_SENTINEL_MASTER=%q is not a Sentinel master name (no spaces)", name)
	}
	return nil
}

// ParseSentinelHosts reads REDIS_SENTINEL_HOSTS: "host:port,host:port,…" (spaces around an item
// are ignored; an empty item, a missing or bad port and a repeated Sentinel are not).
func ParseSentinelHosts(list string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	items := strings.Split(list, ",")
	for i, item := range items {
		item = strings.TrimSpace(item)
		where := fmt.Sprintf("REDIS_SENTINEL_HOSTS item %d of %d", i+1, len(items))
		if item == "" {
			return nil, fmt.Errorf("contract: %s is empty: expected a comma-separated host:port list (e.g. redis-sentinel-0:26379,redis-sentinel-1:26379)", where)
		}
		host, port, err := net.SplitHostPort(item)
		if err != nil || host == "" {
			return nil, fmt.Errorf("contract: %s (%q) is not host:port", where, item)
		}
		if !validPort(port) {
			return nil, fmt.Errorf("contract: %s (%q) has no valid port (1-65535)", where, item)
		}
		addr := net.JoinHostPort(host, port)
		if seen[addr] {
			return nil, fmt.Errorf("contract: %s (%q) names a Sentinel already listed", where, item)
		}
		seen[addr] = true
		out = append(out, addr)
	}
	return out, nil
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535 && strconv.Itoa(n) == p
}

// SentinelURL is Celery's (kombu's) Sentinel broker / result backend URL, parsed.
type SentinelURL struct {
	Addrs    []string // the Sentinels, one per part
	Username string
	Password string // the Redis servers' password (kombu's connection password)
	DB       int
}

// IsSentinelURL tells Celery's Sentinel form from redis:// URLs.
func IsSentinelURL(raw string) bool { return strings.HasPrefix(raw, sentinelScheme) }

// ParseSentinelURL validates every ';'-separated part of
// sentinel://[user]:password@host:port/db;sentinel://…. kombu takes each part's host:port as a
// Sentinel and the password and database of the first part only, so every part must agree on
// them. The error (a reason, for a SecretError) never quotes the content: it names the part.
func ParseSentinelURL(raw string) (*SentinelURL, string) {
	parts := strings.Split(raw, ";")
	out := &SentinelURL{}
	seen := map[string]int{}
	for i, part := range parts {
		where := fmt.Sprintf("part %d of %d of the sentinel:// list", i+1, len(parts))
		if part == "" {
			return nil, where + " is empty (a stray ';'?) (content not shown)"
		}
		if !IsSentinelURL(part) {
			return nil, where + " is not a sentinel:// URL: every part must be sentinel://:password@host:port/db (content not shown)"
		}
		u, err := url.Parse(part)
		if err != nil || u.Opaque != "" {
			return nil, where + " is not a valid URL; a password with reserved characters must be percent-encoded (content not shown)"
		}
		if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
			return nil, where + " has a query or fragment: the master name and the Sentinel password are Celery transport options (REDIS_SENTINEL_MASTER), not URL parameters (content not shown)"
		}
		host, port := u.Hostname(), u.Port()
		if host == "" {
			return nil, where + " has no host (content not shown)"
		}
		if port == "" || !validPort(port) {
			return nil, where + " has no valid port: the contract wants each Sentinel's port written out (e.g. :26379) (content not shown)"
		}
		db := 0
		if p := strings.TrimPrefix(u.Path, "/"); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil || n < 0 || strings.ContainsAny(p, "+-") {
				return nil, where + " has a path that is not /<database number> (content not shown)"
			}
			db = n
		}
		user, pass := "", ""
		if u.User != nil {
			user = u.User.Username()
			pass, _ = u.User.Password()
		}
		addr := net.JoinHostPort(host, port)
		if j, dup := seen[addr]; dup {
			return nil, fmt.Sprintf("%s names the same Sentinel as part %d (content not shown)", where, j)
		}
		seen[addr] = i + 1
		if i == 0 {
			out.Username, out.Password, out.DB = user, pass, db
		} else {
			if user != out.Username || pass != out.Password {
				return nil, where + " has other credentials than part 1: Celery uses part 1's only, so every part must carry the same password (content not shown)"
			}
			if db != out.DB {
				return nil, where + " names another database than part 1: Celery uses part 1's only (content not shown)"
			}
		}
		out.Addrs = append(out.Addrs, addr)
	}
	return out, ""
}

// CheckRedisModes checks that the Celery URLs follow the Redis wiring's mode: with
// REDIS_SENTINEL_HOSTS they must be sentinel:// (a redis:// URL would bypass Sentinel and stay on
// one server through a failover); with REDIS_HOST they must be redis:// or rediss://. Without
// either variable (a Celery-only environment) both forms are accepted.
func CheckRedisModes(getenv func(string) string, secrets *Secrets) error {
	w, err := RedisWiringFromEnv(getenv)
	if err != nil {
		return err
	}
	for _, name := range []string{"CELERY_BROKER_URL_FILE", "CELERY_RESULT_BACKEND_FILE"} {
		raw, ok := secrets.Get(name)
		if !ok {
			continue
		}
		switch sentinel := IsSentinelURL(raw); {
		case w.Mode == "sentinel" && !sentinel:
			return fmt.Errorf("contract: REDIS_SENTINEL_HOSTS is set (Sentinel mode) but %s (%s) holds a redis:// URL, which bypasses Sentinel: Celery needs sentinel://…;sentinel://… (content not shown)", name, secrets.Path(name))
		case w.Mode == "direct" && sentinel:
			return fmt.Errorf("contract: REDIS_HOST is set (direct mode) but %s (%s) holds sentinel:// URLs: set REDIS_SENTINEL_HOSTS/REDIS_SENTINEL_MASTER instead of REDIS_HOST/REDIS_PORT (content not shown)", name, secrets.Path(name))
		case sentinel && getenv("REDIS_SENTINEL_MASTER") == "":
			return fmt.Errorf("contract: %s holds sentinel:// URLs but REDIS_SENTINEL_MASTER (Celery's master_name transport option) is not set", name)
		}
	}
	return nil
}

// Timeouts of every Redis client. A Sentinel failover (a primary lost: down-after-milliseconds,
// then the election and the promotion, ~10 s) makes commands fail for that long; nothing here
// exits on it: the HTTP services turn unready, the Celery loops retry, and the next connection
// goes to the primary the Sentinels name.
const (
	redisDialTimeout = 3 * time.Second
	redisIOTimeout   = 3 * time.Second
)

// sentinelOptions are those of a go-redis failover client: it asks the Sentinels for master's
// address on every new connection and purges its pool when a Sentinel announces +switch-master;
// a READONLY reply (a demoted primary) also drops the connection and retries the command.
func sentinelOptions(master string, sentinels []string, sentinelPassword, username, password string, db int) *redis.FailoverOptions {
	return &redis.FailoverOptions{
		MasterName:       master,
		SentinelAddrs:    sentinels,
		SentinelPassword: sentinelPassword,
		Username:         username,
		Password:         password,
		DB:               db,
		DialTimeout:      redisDialTimeout,
		ReadTimeout:      redisIOTimeout,
		WriteTimeout:     redisIOTimeout,
		DialerRetries:    2,
	}
}

// redisRole is the probe of a Sentinel-wired client: ROLE answers on primaries and replicas
// alike, and only "master" is up, so /health stays 503 while the client is still on a demoted
// primary (the failover under way) instead of reporting a server that refuses writes.
func redisRole(ctx context.Context, c *redis.Client) error {
	v, err := c.Do(ctx, "ROLE").Slice()
	if err != nil {
		return err
	}
	if len(v) == 0 {
		return fmt.Errorf("ROLE: empty reply")
	}
	if role, _ := v[0].(string); role != "master" {
		return fmt.Errorf("connected to a %s, not the primary (a Sentinel failover under way?)", role)
	}
	return nil
}
