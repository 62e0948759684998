package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// The Celery roles speak Celery's Redis transport where it is cheap to (task messages in the
// "celery" list as kombu envelopes, results as celery-task-meta-<id> in the result backend), and
// keep their own liveness bookkeeping under the _toolboxai_reference.* keys of the broker.
const (
	queueKey        = "celery"
	workersKey      = "_toolboxai_reference.workers"       // ZSET node -> last heartbeat (unix s)
	pidboxKeyPrefix = "_toolboxai_reference.pidbox."       // LIST of ping requests per node
	replyKeyPrefix  = "_toolboxai_reference.reply."        // LIST, one reply per request
	eventsKey       = "_toolboxai_reference.events"        // LIST of worker/task events for Flower
	checkTaskName   = "toolboxai_reference.check_database" // the periodic task beat schedules
	exUnavailable   = 69                                   // celery's exit status when no node replies
)

// Timings, variables so tests can shorten them.
var (
	heartbeatInterval = 5 * time.Second
	heartbeatStale    = 15 * time.Second // a node whose heartbeat is older is not alive
	beatInterval      = 30 * time.Second
	pollTimeout       = time.Second // BRPOP timeout of the worker loop
)

// BrokerClients opens the broker and result backend from CELERY_BROKER_URL_FILE and
// CELERY_RESULT_BACKEND_FILE (validated beforehand, so parse errors cannot echo the URL):
// redis:// and rediss:// URLs connect to that server, Celery's sentinel://…;sentinel://… form
// through the Sentinels, for the master REDIS_SENTINEL_MASTER names (Celery's master_name
// transport option), authenticating to the Sentinels with REDIS_PASSWORD_FILE (sentinel_kwargs'
// password; the URL's own password when that file is not given).
func BrokerClients(secrets *Secrets, getenv func(string) string) (broker, results *redis.Client, err error) {
	open := func(name string) (*redis.Client, error) {
		raw, ok := secrets.Get(name)
		if !ok {
			return nil, fmt.Errorf("contract: %s is not set; the Celery roles need it", name)
		}
		if err := secrets.ValidateRedisURL(name); err != nil {
			return nil, err
		}
		if IsSentinelURL(raw) {
			su, _ := ParseSentinelURL(raw) // valid: ValidateRedisURL above
			master := getenv("REDIS_SENTINEL_MASTER")
			if master == "" {
				return nil, fmt.Errorf("contract: %s holds sentinel:// URLs but REDIS_SENTINEL_MASTER (Celery's master_name transport option) is not set", name)
			}
			if err := validMasterName(master); err != nil {
				return nil, err
			}
			sentinelPassword, ok := secrets.Get("REDIS_PASSWORD_FILE")
			if !ok {
				sentinelPassword = su.Password
			}
			opts := sentinelOptions(master, su.Addrs, sentinelPassword, su.Username, su.Password, su.DB)
			opts.ContextTimeoutEnabled = true // a ping's --timeout bounds its blocking reads too
			return redis.NewFailoverClient(opts), nil
		}
		opts, err := redis.ParseURL(raw)
		if err != nil {
			return nil, &SecretError{name, secrets.Path(name), "redis URL rejected by the client (content not shown)"}
		}
		opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = redisDialTimeout, redisIOTimeout, redisIOTimeout
		opts.DialerRetries = 2
		opts.ContextTimeoutEnabled = true // a ping's --timeout bounds its blocking reads too
		return redis.NewClient(opts), nil
	}
	if broker, err = open("CELERY_BROKER_URL_FILE"); err != nil {
		return nil, nil, err
	}
	if results, err = open("CELERY_RESULT_BACKEND_FILE"); err != nil {
		broker.Close()
		return nil, nil, err
	}
	return broker, results, nil
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// kombuMessage is Celery's task protocol 2 inside kombu's Redis envelope.
type kombuMessage struct {
	Body            string            `json:"body"`
	ContentEncoding string            `json:"content-encoding"`
	ContentType     string            `json:"content-type"`
	Headers         map[string]any    `json:"headers"`
	Properties      map[string]any    `json:"properties"`
	Carrier         map[string]string `json:"-"`
}

// EncodeTask builds the message beat pushes; the W3C trace context travels in the headers.
func EncodeTask(ctx context.Context, task, origin string) (id string, payload []byte, err error) {
	id = newID()
	body, _ := json.Marshal([]any{[]any{}, map[string]any{}, map[string]any{"callbacks": nil, "errbacks": nil, "chain": nil, "chord": nil}})
	headers := map[string]any{
		"lang": "py", "task": task, "id": id, "root_id": id, "parent_id": nil, "group": nil,
		"retries": 0, "eta": nil, "expires": nil, "timelimit": []any{nil, nil},
		"argsrepr": "()", "kwargsrepr": "{}", "origin": origin, "ignore_result": false,
	}
	carrier := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(ctx, carrier)
	for k, v := range carrier {
		headers[k] = v
	}
	m := kombuMessage{
		Body: base64.StdEncoding.EncodeToString(body), ContentEncoding: "utf-8", ContentType: "application/json",
		Headers: headers,
		Properties: map[string]any{
			"correlation_id": id, "reply_to": "", "delivery_mode": 2, "priority": 0,
			"delivery_info": map[string]any{"exchange": "", "routing_key": queueKey},
			"body_encoding": "base64", "delivery_tag": newID(),
		},
	}
	payload, err = json.Marshal(m)
	return id, payload, err
}

// DecodeTask reads a message from the queue: the task name, id and trace context.
func DecodeTask(payload []byte) (task, id string, carrier propagation.MapCarrier, err error) {
	var m kombuMessage
	if err = json.Unmarshal(payload, &m); err != nil {
		return "", "", nil, fmt.Errorf("not a kombu message: %w", err)
	}
	task, _ = m.Headers["task"].(string)
	id, _ = m.Headers["id"].(string)
	if task == "" || id == "" {
		return "", "", nil, errors.New("kombu message without task/id headers (not task protocol 2)")
	}
	carrier = propagation.MapCarrier{}
	for _, k := range []string{"traceparent", "tracestate", "baggage"} {
		if v, ok := m.Headers[k].(string); ok {
			carrier[k] = v
		}
	}
	return task, id, carrier, nil
}

// Event is what the worker reports to Flower (Celery's event names).
type Event struct {
	Type      string  `json:"type"`
	Hostname  string  `json:"hostname"`
	UUID      string  `json:"uuid,omitempty"`
	Name      string  `json:"name,omitempty"`
	Runtime   float64 `json:"runtime,omitempty"`
	Timestamp float64 `json:"timestamp"`
}

func pushEvent(ctx context.Context, broker *redis.Client, e Event) {
	e.Timestamp = float64(time.Now().UnixMilli()) / 1000
	b, _ := json.Marshal(e)
	pipe := broker.Pipeline()
	pipe.LPush(ctx, eventsKey, b)
	pipe.LTrim(ctx, eventsKey, 0, 9999)
	_, _ = pipe.Exec(ctx)
}

// Worker consumes the queue, answers pings and keeps its heartbeat fresh.
type Worker struct {
	Node    string
	Broker  *redis.Client
	Results *redis.Client
	Deps    *Deps
	Log     *slog.Logger

	processed int
}

func (w *Worker) heartbeat(ctx context.Context) error {
	return w.Broker.ZAdd(ctx, workersKey, redis.Z{Score: float64(time.Now().Unix()), Member: w.Node}).Err()
}

// Run blocks until ctx ends; the broker being down is retried, never fatal.
func (w *Worker) Run(ctx context.Context) error {
	w.Log.Info("celery worker (reference service, contract test) starting", "node", w.Node, "queue", queueKey)
	online := false
	hbDone := make(chan struct{})
	go func() {
		defer close(hbDone)
		t := time.NewTicker(heartbeatInterval)
		defer t.Stop()
		for {
			if err := w.heartbeat(ctx); err == nil {
				pushEvent(ctx, w.Broker, Event{Type: "worker-heartbeat", Hostname: w.Node})
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	pidbox := pidboxKeyPrefix + w.Node
	for ctx.Err() == nil {
		res, err := w.Broker.BRPop(ctx, pollTimeout, pidbox, queueKey).Result()
		if errors.Is(err, redis.Nil) {
			if !online {
				online = true
				_ = w.heartbeat(ctx)
				pushEvent(ctx, w.Broker, Event{Type: "worker-online", Hostname: w.Node})
				w.Log.Info("worker online: connected to the broker", "node", w.Node)
			}
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if online {
				w.Log.Warn("broker unreachable, retrying", "error", err)
			}
			online = false
			select {
			case <-ctx.Done():
			case <-time.After(2 * time.Second):
			}
			continue
		}
		if !online {
			online = true
			w.Log.Info("worker online: connected to the broker", "node", w.Node)
		}
		if res[0] == pidbox {
			w.answerPing(ctx, res[1])
		} else {
			w.handleTask(ctx, []byte(res[1]))
		}
	}
	<-hbDone
	// Leave at once: a stopped worker must fail `inspect ping` without waiting for staleness.
	c, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	w.Broker.ZRem(c, workersKey, w.Node)
	pushEvent(c, w.Broker, Event{Type: "worker-offline", Hostname: w.Node})
	w.Log.Info("worker stopped", "node", w.Node, "processed", w.processed)
	return nil
}

type pingRequest struct {
	ID    string `json:"id"`
	Reply string `json:"reply"`
}

func (w *Worker) answerPing(ctx context.Context, raw string) {
	var req pingRequest
	if err := json.Unmarshal([]byte(raw), &req); err != nil || !strings.HasPrefix(req.Reply, replyKeyPrefix) {
		w.Log.Warn("ignoring malformed ping request")
		return
	}
	b, _ := json.Marshal(map[string]any{w.Node: map[string]string{"ok": "pong"}})
	pipe := w.Broker.Pipeline()
	pipe.LPush(ctx, req.Reply, b)
	pipe.Expire(ctx, req.Reply, 30*time.Second)
	_, _ = pipe.Exec(ctx)
	w.Log.Debug("answered ping", "request", req.ID)
}

func (w *Worker) handleTask(ctx context.Context, payload []byte) {
	task, id, carrier, err := DecodeTask(payload)
	if err != nil {
		w.Log.Error("discarding message", "error", err)
		return
	}
	pctx := otel.GetTextMapPropagator().Extract(ctx, carrier)
	tctx, span := tracer().Start(pctx, "celery.task "+task, trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(attribute.String("celery.task_name", task), attribute.String("celery.task_id", id)))
	defer span.End()
	pushEvent(tctx, w.Broker, Event{Type: "task-received", Hostname: w.Node, UUID: id, Name: task})
	pushEvent(tctx, w.Broker, Event{Type: "task-started", Hostname: w.Node, UUID: id, Name: task})
	start := time.Now()
	result, terr := w.execute(tctx, task)
	runtime := time.Since(start).Seconds()
	w.processed++
	meta := map[string]any{"task_id": id, "status": "SUCCESS", "result": result, "traceback": nil, "children": []any{},
		"date_done": time.Now().UTC().Format("2006-01-02T15:04:05.000000")}
	evType := "task-succeeded"
	if terr != nil {
		span.RecordError(terr)
		span.SetStatus(codes.Error, terr.Error())
		meta["status"], meta["result"] = "FAILURE", map[string]string{"exc_type": "ReferenceTaskError", "exc_message": terr.Error()}
		evType = "task-failed"
		w.Log.ErrorContext(tctx, "task failed", "task", task, "id", id, "error", terr)
	} else {
		w.Log.InfoContext(tctx, "task succeeded", "task", task, "id", id, "runtime_seconds", runtime)
	}
	b, _ := json.Marshal(meta)
	if err := w.Results.Set(tctx, "celery-task-meta-"+id, b, 24*time.Hour).Err(); err != nil {
		w.Log.WarnContext(tctx, "cannot store the task result", "error", err)
	}
	pushEvent(tctx, w.Broker, Event{Type: evType, Hostname: w.Node, UUID: id, Name: task, Runtime: runtime})
}

func (w *Worker) execute(ctx context.Context, task string) (any, error) {
	switch task {
	case checkTaskName:
		if w.Deps == nil || w.Deps.DB == nil {
			return "no database configured", nil
		}
		var one int
		qctx, cancel := context.WithTimeout(ctx, dbTimeout)
		defer cancel()
		if err := w.Deps.DB.QueryRow(qctx, "SELECT 1").Scan(&one); err != nil {
			return nil, fmt.Errorf("database check: %w", err)
		}
		return map[string]any{"database": "up"}, nil
	default:
		return nil, fmt.Errorf("unregistered task %q", task)
	}
}

// AliveNodes lists the nodes whose heartbeat is fresh, and drops those gone for an hour.
func AliveNodes(ctx context.Context, broker *redis.Client) ([]string, error) {
	now := time.Now()
	broker.ZRemRangeByScore(ctx, workersKey, "-inf", strconv.FormatInt(now.Add(-time.Hour).Unix(), 10))
	return broker.ZRangeByScore(ctx, workersKey, &redis.ZRangeBy{
		Min: strconv.FormatInt(now.Add(-heartbeatStale).Unix(), 10), Max: "+inf",
	}).Result()
}

// broadcastPing is Celery's `inspect(...).ping()` over the broker: a request to each target's
// mailbox, replies collected on one list. As in Celery, with destinations it stops once each
// has replied (limit = len(destinations)); without, it collects until the timeout. A target
// without a fresh heartbeat is not asked (it cannot answer), so pinging only dead nodes fails
// at once instead of after the timeout; the outcome is Celery's.
func broadcastPing(ctx context.Context, broker *redis.Client, destinations []string, timeout time.Duration) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	targets := destinations
	if len(targets) == 0 {
		nodes, err := AliveNodes(ctx, broker)
		if err != nil {
			return nil, err
		}
		targets = nodes
	}
	reply := replyKeyPrefix + newID()
	asked := 0
	for _, node := range targets {
		score, err := broker.ZScore(ctx, workersKey, node).Result()
		if errors.Is(err, redis.Nil) || (err == nil && time.Since(time.Unix(int64(score), 0)) > heartbeatStale) {
			continue
		}
		if err != nil {
			return nil, err
		}
		b, _ := json.Marshal(pingRequest{ID: newID(), Reply: reply})
		pipe := broker.Pipeline()
		pipe.LPush(ctx, pidboxKeyPrefix+node, b)
		pipe.Expire(ctx, pidboxKeyPrefix+node, timeout+5*time.Second)
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, err
		}
		asked++
	}
	defer broker.Del(context.Background(), reply)
	var replied []string
	if asked == 0 {
		return nil, nil
	}
	for {
		remaining := time.Until(deadline(ctx))
		if remaining <= 0 {
			break
		}
		if len(destinations) > 0 && len(replied) >= len(destinations) {
			break // Celery's limit: every named destination answered
		}
		if remaining < time.Second {
			remaining = time.Second // BLPOP's granularity; ctx still bounds the wait
		}
		res, err := broker.BLPop(ctx, remaining, reply).Result()
		if err != nil || len(res) != 2 {
			break
		}
		var r map[string]map[string]string
		if json.Unmarshal([]byte(res[1]), &r) == nil {
			for node, v := range r {
				if v["ok"] == "pong" {
					replied = append(replied, node)
				}
			}
		}
	}
	sort.Strings(replied)
	return replied, nil
}

func printReplies(out io.Writer, replied []string) int {
	if len(replied) == 0 {
		fmt.Fprintln(out, "Error: No nodes replied within time constraint.")
		return exUnavailable
	}
	for _, node := range replied {
		fmt.Fprintf(out, "->  %s: OK\n        pong\n", node)
	}
	noun := "nodes"
	if len(replied) == 1 {
		noun = "node"
	}
	fmt.Fprintf(out, "\n%d %s online.\n", len(replied), noun)
	return 0
}

// InspectPing is `celery inspect ping [-d node,…] --timeout S`: exit 0 when a node answered
// (the worker healthcheck names its own node), 69 (EX_UNAVAILABLE) otherwise.
func InspectPing(ctx context.Context, broker *redis.Client, destinations []string, timeout time.Duration, out io.Writer) int {
	replied, err := broadcastPing(ctx, broker, destinations, timeout)
	if err != nil {
		fmt.Fprintf(out, "Error: cannot reach the broker: %v\n", err)
		return exUnavailable
	}
	return printReplies(out, replied)
}

// Status is `celery status [-d …] --timeout S`: the same ping, so without a destination it
// waits the whole timeout for replies, as Celery does. (The Kubernetes liveness probe runs it
// with --timeout 10 under a 5 s probe timeout: see README.)
func Status(ctx context.Context, broker *redis.Client, destinations []string, timeout time.Duration, out io.Writer) int {
	return InspectPing(ctx, broker, destinations, timeout, out)
}

// Beat keeps the schedule file fresh and enqueues the periodic task.
type Beat struct {
	Schedule string
	Broker   *redis.Client
	Log      *slog.Logger
	runs     int
}

// WriteSchedule replaces the schedule file atomically (temporary file + rename in its folder).
func (b *Beat) WriteSchedule(lastRun time.Time) error {
	doc := map[string]any{
		"reference_service": "ToolboxAI contract test (JSON, not Celery's shelve format)",
		"written_at":        time.Now().UTC().Format(time.RFC3339Nano),
		"entries": map[string]any{checkTaskName: map[string]any{
			"interval_seconds": beatInterval.Seconds(), "total_run_count": b.runs,
			"last_run_at": lastRun.UTC().Format(time.RFC3339Nano),
		}},
	}
	data, _ := json.MarshalIndent(doc, "", "  ")
	tmp, err := os.CreateTemp(filepath.Dir(b.Schedule), "."+filepath.Base(b.Schedule)+".*")
	if err != nil {
		return fmt.Errorf("beat schedule %s: %w", b.Schedule, err)
	}
	_, werr := tmp.Write(append(data, '\n'))
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("beat schedule %s: %w", b.Schedule, err)
	}
	if err := os.Rename(tmp.Name(), b.Schedule); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("beat schedule %s: %w", b.Schedule, err)
	}
	return nil
}

// Tick enqueues the periodic task once and rewrites the schedule.
func (b *Beat) Tick(ctx context.Context) error {
	now := time.Now()
	tctx, span := tracer().Start(ctx, "celery.beat "+checkTaskName, trace.WithSpanKind(trace.SpanKindProducer))
	defer span.End()
	id, payload, err := EncodeTask(tctx, checkTaskName, "beat@"+hostname())
	if err == nil {
		err = b.Broker.LPush(tctx, queueKey, payload).Err()
	}
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		b.Log.WarnContext(tctx, "cannot enqueue the periodic task (will retry next tick)", "task", checkTaskName, "error", err)
	} else {
		b.runs++
		b.Log.InfoContext(tctx, "scheduler: sending due task", "task", checkTaskName, "id", id)
	}
	if werr := b.WriteSchedule(now); werr != nil {
		return werr
	}
	return nil
}

// Run writes the schedule at once (the readiness probe is `test -s`), then ticks.
func (b *Beat) Run(ctx context.Context) error {
	b.Log.Info("celery beat (reference service, contract test) starting", "schedule", b.Schedule, "interval", beatInterval.String())
	if err := b.WriteSchedule(time.Time{}); err != nil {
		return err
	}
	t := time.NewTicker(beatInterval)
	defer t.Stop()
	for {
		if err := b.Tick(ctx); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			b.Log.Info("beat stopped")
			return nil
		case <-t.C:
		}
	}
}

func deadline(ctx context.Context) time.Time {
	d, ok := ctx.Deadline()
	if !ok {
		return time.Now().Add(time.Second)
	}
	return d
}
