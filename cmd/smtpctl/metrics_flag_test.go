package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/integrations/smtp/smtptest"
)

// sampleValue returns the value of the sample of series name whose labels
// include every one of labels (`k="v"`), and whether there is one.
func sampleValue(text, name string, labels ...string) (float64, bool) {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\{([^}]*)\} (\S+)$`)
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(","+m[1]+",", ","+l+",")
		}
		if ok {
			v, err := strconv.ParseFloat(m[2], 64)
			return v, err == nil
		}
	}
	return 0, false
}

func TestBenchMetricsFile(t *testing.T) {
	srv := smtptest.Start(t)
	path := filepath.Join(t.TempDir(), "metrics.prom")
	code, _, errOut := runCLI(t, benchArgs(srv, "--count", "12", "--connections", "2", "--metrics", path)...)
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	host := `host="` + srv.Host() + `"`
	if v, ok := sampleValue(text, "smtp_emails_sent_total", host, `status="success"`); !ok || v != 12 {
		t.Errorf("smtp_emails_sent_total{status=success} = %v (%v), want 12 in\n%s", v, ok, text)
	}
	if v, ok := sampleValue(text, "smtp_send_duration_seconds_count", host); !ok || v != 12 {
		t.Errorf("smtp_send_duration_seconds_count = %v (%v), want 12", v, ok)
	}
	for _, name := range []string{"smtp_message_size_bytes_count", "smtp_recipients_per_message_count", "smtp_connection_pool_size"} {
		if _, ok := sampleValue(text, name, host); !ok {
			t.Errorf("no %s sample in\n%s", name, text)
		}
	}
}

func TestBatchMetricsStdout(t *testing.T) {
	srv := smtptest.Start(t)
	code, out, errOut := runCLI(t, batchArgs(srv, writeBatch(t, goodLines(5)...), "--connections", "2", "--metrics", "-")...)
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if v, ok := sampleValue(out, "smtp_emails_sent_total", `status="success"`); !ok || v != 5 {
		t.Errorf("smtp_emails_sent_total{status=success} = %v (%v), want 5 in\n%s", v, ok, out)
	}
	if v, ok := sampleValue(out, "smtp_connection_pool_size", `state="max"`); !ok || v != 2 {
		t.Errorf("smtp_connection_pool_size{state=max} = %v (%v), want 2", v, ok)
	}
}

// TestMetricsFileUnwritable: a --metrics path that cannot be created is a
// usage error before anything is sent.
func TestMetricsFileUnwritable(t *testing.T) {
	srv := smtptest.Start(t)
	bad := filepath.Join(t.TempDir(), "missing", "m.prom")
	for _, args := range [][]string{
		benchArgs(srv, "--count", "1", "--metrics", bad),
		batchArgs(srv, writeBatch(t, goodLines(1)...), "--metrics", bad),
	} {
		code, _, errOut := runCLI(t, args...)
		if code != exitUsage || !strings.Contains(errOut, "--metrics") {
			t.Errorf("%s: exit %d, stderr %q; want 64 naming --metrics", args[0], code, errOut)
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages sent despite the bad --metrics path", n)
	}
}
