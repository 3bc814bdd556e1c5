package bootstrap

import (
	"testing"
	"time"

	"github.com/integrations/smtp/adapters/tcp"
)

// TestZeroConfigIsTheSecureDefault: the zero Config plus host and port
// composes into the specification's defaults, with every protection on.
func TestZeroConfigIsTheSecureDefault(t *testing.T) {
	c := Config{Host: "smtp.example.com", Port: 587}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	tc := c.tcpConfig()
	p, r, b, l := c.Pool.WithDefaults(), c.Retry.WithDefaults(), c.CircuitBreaker.WithDefaults(), c.Limits.WithDefaults()
	tests := []struct {
		name      string
		got, want any
	}{
		{"effective TLS mode", c.EffectiveTLSMode(), tcp.TLSStartTLSRequired},
		{"implicit TLS on 465", (&Config{Port: 465}).EffectiveTLSMode(), tcp.TLSImplicit},
		{"TLS minimum left to the adapter (1.2)", c.TLS.MinVersion.String(), ""},
		{"verify certificates", c.TLS.InsecureSkipVerify, false},
		{"no AUTH over plaintext", c.AllowInsecureAuth, false},
		{"pipelining on", tc.DisablePipelining, false},
		{"io timeout off", tc.IOTimeout, time.Duration(0)},
		{"pool max", p.MaxConnections, 5},
		{"pool min idle", p.MinIdle, 1},
		{"pool acquire", p.AcquireTimeout, 30 * time.Second},
		{"pool idle", p.IdleTimeout, 5 * time.Minute},
		{"pool lifetime", p.MaxLifetime, time.Hour},
		{"pool health interval", p.HealthCheckInterval, time.Minute},
		{"retry attempts", r.MaxAttempts, 3},
		{"retry initial", r.InitialDelay, 500 * time.Millisecond},
		{"retry max", r.MaxDelay, 30 * time.Second},
		{"retry jitter", r.DisableJitter, false},
		{"breaker on", b.Disabled, false},
		{"breaker failures", b.FailureThreshold, 5},
		{"limit size", l.MaxMessageSize, int64(10 << 20)},
		{"no rate limit", c.RateLimit == nil, true},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	if off := (&Config{DisablePipelining: true}).tcpConfig(); !off.DisablePipelining {
		t.Error("DisablePipelining leaves pipelining on")
	}
}
