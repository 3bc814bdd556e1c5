package telemetry

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/integrations/smtp/domain"
	"github.com/integrations/smtp/ports"
)

func TestSendSpanAttributesAndResult(t *testing.T) {
	r := newRecorded(t, domain.AddressFull)
	ctx, sp := r.tel.Start(context.Background(), ports.StageSend, ports.Attrs{
		From: mustAddress(t, "alice@example.com"), Recipients: 3, Size: 2048, HasAttachments: true,
	})
	if !trace.SpanFromContext(ctx).IsRecording() {
		t.Fatal("Start did not put the recording span in the context")
	}
	sp.Result(&domain.SendResult{MessageID: "m1@example.com", ServerID: "4F2A", Accepted: []string{"a@x", "b@x"},
		Rejected: []domain.RejectedRecipient{{Address: "c@x"}}, Size: 4096})
	sp.End(nil)

	s := r.ended(t)["smtp.send"]
	if s == nil {
		t.Fatal("no smtp.send span")
	}
	if s.SpanKind() != trace.SpanKindClient {
		t.Errorf("kind %v, want client", s.SpanKind())
	}
	if s.Status().Code == codes.Error {
		t.Errorf("status %v after End(nil)", s.Status())
	}
	got := attrs(s.Attributes())
	want := map[string]attribute.Value{
		"smtp.host":                attribute.StringValue("smtp.example.com"),
		"smtp.port":                attribute.IntValue(587),
		"smtp.from":                attribute.StringValue("alice@example.com"),
		"smtp.recipients.count":    attribute.IntValue(3),
		"smtp.has_attachments":     attribute.BoolValue(true),
		"smtp.message_size":        attribute.Int64Value(4096), // the result's size replaces the estimate
		"smtp.message_id":          attribute.StringValue("m1@example.com"),
		"smtp.queue_id":            attribute.StringValue("4F2A"),
		"smtp.recipients.accepted": attribute.IntValue(2),
		"smtp.recipients.rejected": attribute.IntValue(1),
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k].Emit(), v.Emit())
		}
	}
}

func TestConnectSpanAttributes(t *testing.T) {
	r := newRecorded(t, domain.AddressLocalPart)
	_, sp := r.tel.Start(context.Background(), ports.StageConnect, ports.Attrs{})
	sp.End(nil)
	s := r.ended(t)["smtp.connect"]
	if s.SpanKind() != trace.SpanKindClient {
		t.Errorf("kind %v, want client", s.SpanKind())
	}
	got := attrs(s.Attributes())
	for k, v := range map[string]attribute.Value{
		"server.address": attribute.StringValue("smtp.example.com"), "server.port": attribute.IntValue(587),
		"network.transport": attribute.StringValue("tcp"), "net.peer.name": attribute.StringValue("smtp.example.com"),
		"net.peer.port": attribute.IntValue(587), "net.transport": attribute.StringValue("tcp"),
	} {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k].Emit(), v.Emit())
		}
	}
}

func TestStageSpans(t *testing.T) {
	r := newRecorded(t, domain.AddressLocalPart)
	tests := []struct {
		stage ports.Stage
		a     ports.Attrs
		key   string
		want  attribute.Value
	}{
		{ports.StageAuth, ports.Attrs{Mechanism: domain.AuthXOAuth2}, "smtp.auth.mechanism", attribute.StringValue("XOAUTH2")},
		{ports.StageTLSUpgrade, ports.Attrs{Implicit: true}, "smtp.tls.implicit", attribute.BoolValue(true)},
		{ports.StageMailFrom, ports.Attrs{From: mustAddress(t, "bob@example.org")}, "smtp.from", attribute.StringValue("bob@***")},
		{ports.StageRcptTo, ports.Attrs{Recipient: mustAddress(t, "carol@example.net")}, "smtp.recipient", attribute.StringValue("carol@***")},
		{ports.StageData, ports.Attrs{Size: 99}, "smtp.message_size", attribute.Int64Value(99)},
		{ports.StagePipeline, ports.Attrs{Recipients: 4}, "smtp.pipeline.transactions", attribute.IntValue(4)},
		{ports.StageResolve, ports.Attrs{}, "server.address", attribute.StringValue("smtp.example.com")},
	}
	for _, tt := range tests {
		_, sp := r.tel.Start(context.Background(), tt.stage, tt.a)
		sp.End(nil)
	}
	ended := r.ended(t)
	for _, tt := range tests {
		s := ended[tt.stage.String()]
		if s == nil {
			t.Errorf("no %s span", tt.stage)
			continue
		}
		if s.SpanKind() != trace.SpanKindInternal {
			t.Errorf("%s: kind %v, want internal", tt.stage, s.SpanKind())
		}
		if got := attrs(s.Attributes())[tt.key]; got != tt.want {
			t.Errorf("%s: %s = %v, want %v", tt.stage, tt.key, got.Emit(), tt.want.Emit())
		}
	}
}

func TestSpanTree(t *testing.T) {
	r := newRecorded(t, domain.AddressLocalPart)
	ctx, send := r.tel.Start(context.Background(), ports.StageSend, ports.Attrs{})
	_, acq := r.tel.Start(ctx, ports.StageAcquire, ports.Attrs{})
	actx, connect := r.tel.Start(ctx, ports.StageConnect, ports.Attrs{})
	_, resolve := r.tel.Start(actx, ports.StageResolve, ports.Attrs{})
	resolve.End(nil)
	connect.End(nil)
	acq.End(nil)
	send.End(nil)
	s := r.ended(t)
	parent := func(name string) trace.SpanID { return s[name].Parent().SpanID() }
	id := func(name string) trace.SpanID { return s[name].SpanContext().SpanID() }
	if parent("smtp.connection.acquire") != id("smtp.send") || parent("smtp.connect") != id("smtp.send") {
		t.Error("acquire and connect are not children of send")
	}
	if parent("dns.resolve") != id("smtp.connect") {
		t.Error("resolve is not a child of connect")
	}
	if s["smtp.send"].Parent().IsValid() {
		t.Error("send has a parent")
	}
}

func TestEndWithErrorAppliesAddressPolicy(t *testing.T) {
	err := &domain.Error{Kind: domain.KindPermanentFailure, Op: "rcpt", Code: 550,
		Enhanced: domain.EnhancedCode{Class: 5, Subject: 1, Detail: 1}, Message: "<carol@example.net>: user unknown"}
	tests := []struct {
		policy domain.AddressPolicy
		rcpt   string // the smtp.recipient attribute
		text   string // what the recorded error text contains
		hidden string // what it must not contain
	}{
		{domain.AddressFull, "carol@example.net", "carol@example.net", "***"},
		{domain.AddressLocalPart, "carol@***", "carol@***", "example.net"},
		{domain.AddressNone, "***", "<***>", "carol"},
	}
	for _, tt := range tests {
		t.Run(tt.policy.String(), func(t *testing.T) {
			r := newRecorded(t, tt.policy)
			_, sp := r.tel.Start(context.Background(), ports.StageRcptTo, ports.Attrs{Recipient: mustAddress(t, "carol@example.net")})
			sp.End(err)
			s := r.ended(t)["smtp.rcpt_to"]
			got := attrs(s.Attributes())
			if got["smtp.recipient"].AsString() != tt.rcpt {
				t.Errorf("smtp.recipient = %q, want %q", got["smtp.recipient"].AsString(), tt.rcpt)
			}
			if got["smtp.error_kind"].AsString() != "permanent_failure" || got["smtp.error_code"].AsInt64() != 550 ||
				got["smtp.error_enhanced_code"].AsString() != "5.1.1" {
				t.Errorf("error attributes %v %v %v", got["smtp.error_kind"].Emit(), got["smtp.error_code"].Emit(), got["smtp.error_enhanced_code"].Emit())
			}
			st := s.Status()
			if st.Code != codes.Error || !strings.Contains(st.Description, tt.text) || strings.Contains(st.Description, tt.hidden) {
				t.Errorf("status %v %q: want Error containing %q and not %q", st.Code, st.Description, tt.text, tt.hidden)
			}
			var msgs []string
			for _, ev := range s.Events() {
				if ev.Name == "exception" {
					a := attrs(ev.Attributes)
					msgs = append(msgs, a["exception.message"].AsString())
					if a["exception.type"].AsString() != "*domain.Error" {
						t.Errorf("exception.type %q", a["exception.type"].AsString())
					}
				}
			}
			if len(msgs) != 1 || !strings.Contains(msgs[0], tt.text) || strings.Contains(msgs[0], tt.hidden) {
				t.Errorf("exception messages %q: want one containing %q and not %q", msgs, tt.text, tt.hidden)
			}
		})
	}
}

func TestEndWithPlainError(t *testing.T) {
	r := newRecorded(t, domain.AddressLocalPart)
	_, sp := r.tel.Start(context.Background(), ports.StageData, ports.Attrs{})
	sp.End(context.DeadlineExceeded)
	got := attrs(r.ended(t)["smtp.data"].Attributes())
	if got["smtp.error_kind"].AsString() != "timeout" {
		t.Errorf("smtp.error_kind = %q, want timeout", got["smtp.error_kind"].AsString())
	}
	if _, ok := got["smtp.error_code"]; ok {
		t.Error("smtp.error_code set for an error without a reply")
	}
}

func TestLink(t *testing.T) {
	r := newRecorded(t, domain.AddressLocalPart)
	pctx, pipe := r.tel.Start(context.Background(), ports.StagePipeline, ports.Attrs{Recipients: 2})
	_, tx := r.tel.Start(context.Background(), ports.StageTransaction, ports.Attrs{})
	tx.Link(pctx)
	tx.Link(context.Background()) // no span there: no link
	tx.End(nil)
	pipe.End(nil)
	s := r.ended(t)
	links := s["smtp.transaction"].Links()
	if len(links) != 1 || links[0].SpanContext.SpanID() != s["smtp.pipeline"].SpanContext().SpanID() {
		t.Errorf("links %v, want one to the pipeline span", links)
	}
}

func TestRetryAndRateLimitedEvents(t *testing.T) {
	r := newRecorded(t, domain.AddressLocalPart)
	ctx, sp := r.tel.Start(context.Background(), ports.StageSend, ports.Attrs{})
	r.tel.Retry(ctx, 2, domain.NewError(domain.KindTemporaryFailure, "rcpt", "<dave@example.org> mailbox busy"))
	r.tel.RateLimited(ctx, ports.QuotaConnections)
	sp.End(nil)
	evs := r.ended(t)["smtp.send"].Events()
	if len(evs) != 2 || evs[0].Name != "smtp.retry" || evs[1].Name != "smtp.rate_limited" {
		t.Fatalf("events %v, want smtp.retry then smtp.rate_limited", evs)
	}
	a := attrs(evs[0].Attributes)
	if a["smtp.retry.attempt"].AsInt64() != 2 || a["smtp.error_kind"].AsString() != "temporary_failure" {
		t.Errorf("retry event attributes %v", evs[0].Attributes)
	}
	if msg := a["exception.message"].AsString(); !strings.Contains(msg, "dave@***") || strings.Contains(msg, "example.org") {
		t.Errorf("retry event message %q: address not masked", msg)
	}
	if q := attrs(evs[1].Attributes)["smtp.quota"].AsString(); q != "connections" {
		t.Errorf("smtp.quota = %q", q)
	}
}

func TestNullSenderAndUnknownStage(t *testing.T) {
	r := newRecorded(t, domain.AddressFull)
	_, sp := r.tel.Start(context.Background(), ports.StageMailFrom, ports.Attrs{})
	sp.End(errors.New("plain"))
	_, sp = r.tel.Start(context.Background(), ports.Stage(200), ports.Attrs{})
	sp.End(nil)
	s := r.ended(t)
	if got := attrs(s["smtp.mail_from"].Attributes())["smtp.from"].AsString(); got != "" {
		t.Errorf("null sender shown as %q", got)
	}
	if s["smtp.unknown"] == nil {
		t.Error("an unknown stage makes no smtp.unknown span")
	}
}
