package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecretsReadEveryFileVariable(t *testing.T) {
	dir := t.TempDir()
	env := []string{
		"APP_SECRET_KEY_FILE=" + writeSecret(t, dir, "a", "alpha-secret\n"),
		"FLOWER_CONFIG_FILE=" + writeSecret(t, dir, "f", "basic_auth = [\"admin:pw\"]\n"),
		"PORT=8009",
	}
	s, err := LoadSecrets(env)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Get("APP_SECRET_KEY_FILE"); v != "alpha-secret" {
		t.Fatalf("trailing newline not trimmed or wrong value: %q", v)
	}
	if got := strings.Join(s.Names(), ","); got != "APP_SECRET_KEY_FILE,FLOWER_CONFIG_FILE" {
		t.Fatalf("names = %s", got)
	}
}

func TestSecretsFailuresNameVariableAndPathNeverContent(t *testing.T) {
	dir := t.TempDir()
	empty := writeSecret(t, dir, "empty", "\n")
	missing := filepath.Join(dir, "missing")
	adir := filepath.Join(dir, "a-directory")
	if err := os.Mkdir(adir, 0o700); err != nil {
		t.Fatal(err)
	}
	good := writeSecret(t, dir, "good", "very-secret-content-xyz")
	_, err := LoadSecrets([]string{
		"DATABASE_PASSWORD_FILE=" + empty,
		"REDIS_PASSWORD_FILE=" + missing,
		"JWT_SECRET_FILE=" + adir,
		"APP_SECRET_KEY_FILE=" + good,
		"EMPTY_PATH_FILE=",
	})
	if err == nil {
		t.Fatal("expected an error")
	}
	msg := err.Error()
	for _, want := range []string{
		"DATABASE_PASSWORD_FILE", empty, "file is empty",
		"REDIS_PASSWORD_FILE", missing, "does not exist",
		"JWT_SECRET_FILE", adir,
		"EMPTY_PATH_FILE",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "very-secret-content-xyz") || strings.Contains(msg, "APP_SECRET_KEY_FILE") {
		t.Errorf("error mentions the good secret:\n%s", msg)
	}
}

func TestSecretsUnreadableFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: a mode-000 file stays readable, so permission denial cannot be shown (the directory case covers unreadable paths)")
	}
	dir := t.TempDir()
	p := writeSecret(t, dir, "locked", "locked-content")
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	_, err := LoadSecrets([]string{"JWT_SECRET_FILE=" + p})
	if err == nil || !strings.Contains(err.Error(), "permission denied") || !strings.Contains(err.Error(), "JWT_SECRET_FILE") {
		t.Fatalf("err = %v", err)
	}
}

func TestBrokerURLValidationNeverEchoesTheURL(t *testing.T) {
	dir := t.TempDir()
	for _, bad := range []string{"http://:hunter2-secret@redis:6379/0", "redis://:hunter2-secret@[::1/0", "hunter2-secret"} {
		s := mustLoadSecrets(t, []string{"CELERY_BROKER_URL_FILE=" + writeSecret(t, dir, "b", bad)})
		err := s.ValidateRedisURL("CELERY_BROKER_URL_FILE")
		if err == nil {
			t.Fatalf("%q accepted", bad)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("error echoes the secret: %v", err)
		}
		if !strings.Contains(err.Error(), "CELERY_BROKER_URL_FILE") {
			t.Fatalf("error does not name the variable: %v", err)
		}
	}
	s := mustLoadSecrets(t, []string{"CELERY_BROKER_URL_FILE=" + writeSecret(t, dir, "ok", "redis://:pw@redis:6379/0")})
	if err := s.ValidateRedisURL("CELERY_BROKER_URL_FILE"); err != nil {
		t.Fatal(err)
	}
	// The password inside a URL is redacted on its own too.
	found := false
	for _, v := range s.Values() {
		found = found || v == "pw"
	}
	if !found {
		t.Fatal("the URL's password is not among the values to redact")
	}
}
