package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"strings"
)

// Secrets holds the content of every file named by a *_FILE variable, keyed by the variable.
// Values never leave this process: not in logs, metric labels, trace attributes or errors.
type Secrets struct {
	values map[string]string
	paths  map[string]string
}

// SecretError names the variable and the path that failed, never the content.
type SecretError struct {
	Variable string
	Path     string
	Reason   string
}

func (e *SecretError) Error() string {
	return fmt.Sprintf("contract: secret file %s=%q: %s", e.Variable, e.Path, e.Reason)
}

// LoadSecrets reads every *_FILE variable of environ (KEY=VALUE strings). The platform passes
// each credential as a file; a missing, unreadable or empty file is a contract failure.
func LoadSecrets(environ []string) (*Secrets, error) {
	s := &Secrets{values: map[string]string{}, paths: map[string]string{}}
	var errs []error
	var names []string
	env := map[string]string{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasSuffix(k, "_FILE") {
			continue
		}
		env[k] = v
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		path := env[name]
		if path == "" {
			errs = append(errs, &SecretError{name, path, "variable is set but empty (expected a file path)"})
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, &SecretError{name, path, describeFileError(err)})
			continue
		}
		value := strings.TrimRight(string(data), "\r\n")
		if strings.TrimSpace(value) == "" {
			errs = append(errs, &SecretError{name, path, "file is empty"})
			continue
		}
		s.values[name] = value
		s.paths[name] = path
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// describeFileError classifies an os error without echoing anything read from the file.
func describeFileError(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "file does not exist"
	case errors.Is(err, fs.ErrPermission):
		return "file is not readable by this user (permission denied)"
	default:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return "cannot read file: " + pe.Err.Error()
		}
		return "cannot read file"
	}
}

// Get returns the secret of variable name (e.g. "REDIS_PASSWORD_FILE").
func (s *Secrets) Get(name string) (string, bool) {
	if s == nil {
		return "", false
	}
	v, ok := s.values[name]
	return v, ok
}

// Path returns the file a secret came from.
func (s *Secrets) Path(name string) string { return s.paths[name] }

// Names lists the variables read, sorted.
func (s *Secrets) Names() []string {
	var out []string
	for k := range s.values {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Values returns every secret value, for redaction.
func (s *Secrets) Values() []string {
	if s == nil {
		return nil
	}
	var out []string
	for _, v := range s.values {
		out = append(out, v)
		// URLs embed a password: redact the password part on its own too (of each part of
		// Celery's sentinel://…;sentinel://… list).
		for _, part := range strings.Split(v, ";") {
			if u, err := url.Parse(part); err == nil && u.User != nil {
				if pw, ok := u.User.Password(); ok && pw != "" {
					out = append(out, pw)
				}
			}
		}
	}
	return out
}

// ValidateRedisURL checks that the secret of variable name is a redis:// (or rediss://) URL, or
// Celery's Sentinel form sentinel://…;sentinel://… with every part valid (ParseSentinelURL). The
// message names the variable and path only: url.Parse errors quote the URL, password included.
func (s *Secrets) ValidateRedisURL(name string) error {
	v, ok := s.Get(name)
	if !ok {
		return nil
	}
	if IsSentinelURL(v) {
		if _, reason := ParseSentinelURL(v); reason != "" {
			return &SecretError{name, s.Path(name), reason}
		}
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return &SecretError{name, s.Path(name), "content is not a redis://, rediss:// or sentinel:// URL (content not shown)"}
	}
	return nil
}
