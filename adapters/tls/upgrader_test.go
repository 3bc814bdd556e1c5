package tls_test

import (
	"context"
	stdtls "crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	smtptls "github.com/integrations/smtp/adapters/tls"
	"github.com/integrations/smtp/adapters/tls/tlstest"
	"github.com/integrations/smtp/domain"
)

func TestClientCustomCA(t *testing.T) {
	ca := newCA(t)
	srvCfg, err := ca.ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	u := newUpgrader(t, smtptls.Config{CAFile: writeCA(t, ca)})
	for _, name := range []string{"localhost", "127.0.0.1", "[::1]"} {
		t.Run(name, func(t *testing.T) {
			conn, done := serveTLS(t, srvCfg)
			sc, err := u.Client(background(), conn, name)
			if err != nil {
				t.Fatalf("Client: %v", err)
			}
			readGreeting(t, sc)
			state := sc.(interface{ ConnectionState() stdtls.ConnectionState }).ConnectionState()
			if state.Version < stdtls.VersionTLS12 || !state.HandshakeComplete {
				t.Errorf("state: version %x, complete %v", state.Version, state.HandshakeComplete)
			}
			if r := <-done; r.err != nil {
				t.Fatalf("server: %v", r.err)
			}
		})
	}
}

func TestClientCertificateFailures(t *testing.T) {
	ca := newCA(t)
	other := newCA(t)
	tests := []struct {
		name     string
		give     func() (*tlstest.Cert, error)
		wantKind domain.Kind
		wantText []string
	}{
		{name: "unknown authority", give: func() (*tlstest.Cert, error) { return other.ServerCert() },
			wantKind: domain.KindCertificateUntrusted, wantText: []string{"unknown authority"}},
		{name: "self-signed", give: func() (*tlstest.Cert, error) { return tlstest.SelfSigned() },
			wantKind: domain.KindCertificateUntrusted},
		{name: "expired", give: func() (*tlstest.Cert, error) { return ca.ExpiredServerCert() },
			wantKind: domain.KindCertificateExpired, wantText: []string{"expired"}},
		{name: "wrong host", give: func() (*tlstest.Cert, error) { return ca.ServerCert("mail.example.test") },
			wantKind: domain.KindCertificateInvalid, wantText: []string{`not valid for "localhost"`}},
	}
	u := newUpgrader(t, smtptls.Config{CAFile: writeCA(t, ca)})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCert(t)(tt.give())
			conn, done := serveTLS(t, serverConfig(c))
			sc, err := u.Client(background(), conn, "localhost")
			if sc != nil {
				t.Errorf("Client returned a connection with error %v", err)
			}
			de := wantKind(t, err, tt.wantKind)
			wantContains(t, de.Error(), tt.wantText...)
			if !errors.Is(err, domain.KindTLS) {
				t.Errorf("error is not in the TLS category")
			}
			if r := <-done; r.err == nil {
				t.Error("server handshake succeeded")
			}
		})
	}
}

func TestClientSkipVerify(t *testing.T) {
	c := mustCert(t)(tlstest.SelfSigned("mail.example.test"))
	u := newUpgrader(t, smtptls.Config{InsecureSkipVerify: true})
	conn, done := serveTLS(t, serverConfig(c))
	sc, err := u.Client(background(), conn, "")
	if err != nil {
		t.Fatalf("Client: %v", err)
	}
	readGreeting(t, sc)
	if r := <-done; r.err != nil {
		t.Fatalf("server: %v", r.err)
	}
}

func TestClientServerNameOverride(t *testing.T) {
	ca := newCA(t)
	c := mustCert(t)(ca.ServerCert("mail.example.test"))
	u := newUpgrader(t, smtptls.Config{CAFile: writeCA(t, ca), ServerName: "mail.example.test"})
	conn, done := serveTLS(t, serverConfig(c))
	sc, err := u.Client(background(), conn, "127.0.0.1")
	if err != nil {
		t.Fatalf("Client: %v", err)
	}
	readGreeting(t, sc)
	r := <-done
	if r.err != nil {
		t.Fatalf("server: %v", r.err)
	}
	if r.state.ServerName != "mail.example.test" {
		t.Errorf("server saw SNI %q, want mail.example.test", r.state.ServerName)
	}
}

// TestClientConcurrent runs handshakes with different server names at once:
// each must use its own clone of the configuration (run with -race).
func TestClientConcurrent(t *testing.T) {
	ca := newCA(t)
	srvCfg, err := ca.ServerConfig()
	if err != nil {
		t.Fatal(err)
	}
	u := newUpgrader(t, smtptls.Config{CAFile: writeCA(t, ca)})
	names := []string{"localhost", "127.0.0.1", "::1", "localhost"}
	conns := make([]net.Conn, len(names))
	dones := make([]<-chan serverResult, len(names))
	for i := range names {
		conns[i], dones[i] = serveTLS(t, srvCfg)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(names))
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc, err := u.Client(background(), conns[i], name)
			if err == nil {
				_, err = io.ReadFull(sc, make([]byte, len(greeting)))
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, name := range names {
		if errs[i] != nil {
			t.Errorf("%s: %v", name, errs[i])
		}
		r := <-dones[i]
		if r.err != nil {
			t.Errorf("%s server: %v", name, r.err)
		}
		want := name
		if net.ParseIP(name) != nil {
			want = "" // no SNI for an IP address
		}
		if r.state.ServerName != want {
			t.Errorf("%s: server saw SNI %q, want %q", name, r.state.ServerName, want)
		}
	}
}

func TestClientVersion(t *testing.T) {
	ca := newCA(t)
	srv := mustCert(t)(ca.ServerCert())
	caFile := writeCA(t, ca)
	tests := []struct {
		name     string
		client   smtptls.Config
		srvMin   uint16
		srvMax   uint16
		wantKind domain.Kind // KindUnknown: success
	}{
		{name: "server max 1.1, client default", srvMin: stdtls.VersionTLS10, srvMax: stdtls.VersionTLS11,
			wantKind: domain.KindTLSVersion},
		{name: "server max 1.2, client min 1.3", client: smtptls.Config{MinVersion: smtptls.VersionTLS13},
			srvMin: stdtls.VersionTLS12, srvMax: stdtls.VersionTLS12, wantKind: domain.KindTLSVersion},
		{name: "server max 1.2, client default", srvMin: stdtls.VersionTLS12, srvMax: stdtls.VersionTLS12},
		{name: "server 1.3 only, client default", srvMin: stdtls.VersionTLS13, srvMax: stdtls.VersionTLS13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.client.CAFile = caFile
			u := newUpgrader(t, tt.client)
			cfg := serverConfig(srv)
			cfg.MinVersion, cfg.MaxVersion = tt.srvMin, tt.srvMax
			conn, done := serveTLS(t, cfg)
			sc, err := u.Client(background(), conn, "localhost")
			if err == nil {
				readGreeting(t, sc)
			}
			r := <-done
			if tt.wantKind == domain.KindUnknown {
				if err != nil || r.err != nil {
					t.Fatalf("client error %v, server error %v", err, r.err)
				}
				return
			}
			wantKind(t, err, tt.wantKind)
		})
	}
}

// TestClientInsecureVersion shows that TLS 1.1 is reachable with
// AllowInsecureTLS, as far as Go's crypto/tls still speaks it.
func TestClientInsecureVersion(t *testing.T) {
	ca := newCA(t)
	cfg := serverConfig(mustCert(t)(ca.ServerCert()))
	cfg.MinVersion, cfg.MaxVersion = stdtls.VersionTLS10, stdtls.VersionTLS11
	u := newUpgrader(t, smtptls.Config{CAFile: writeCA(t, ca), MinVersion: smtptls.VersionTLS10, AllowInsecureTLS: true})
	conn, done := serveTLS(t, cfg)
	sc, err := u.Client(background(), conn, "localhost")
	if err != nil {
		t.Fatalf("Client: %v", err)
	}
	readGreeting(t, sc)
	r := <-done
	if r.err != nil {
		t.Fatalf("server: %v", r.err)
	}
	if r.state.Version != stdtls.VersionTLS11 {
		t.Errorf("version = %x, want TLS 1.1", r.state.Version)
	}
}

func TestClientMutualTLS(t *testing.T) {
	ca := newCA(t)
	dir := t.TempDir()
	certFile, keyFile, err := mustCert(t)(ca.ClientCert("alice")).WritePEM(dir, "client")
	if err != nil {
		t.Fatal(err)
	}
	caFile := writeCA(t, ca)
	srv := mustCert(t)(ca.ServerCert())
	mtlsServer := func(maxVersion uint16) *stdtls.Config {
		cfg := serverConfig(srv)
		cfg.ClientAuth = stdtls.RequireAndVerifyClientCert
		cfg.ClientCAs = ca.Pool()
		cfg.MaxVersion = maxVersion
		return cfg
	}

	t.Run("with certificate", func(t *testing.T) {
		u := newUpgrader(t, smtptls.Config{CAFile: caFile, ClientCertFile: certFile, ClientKeyFile: keyFile})
		conn, done := serveTLS(t, mtlsServer(0))
		sc, err := u.Client(background(), conn, "localhost")
		if err != nil {
			t.Fatalf("Client: %v (server: %v)", err, (<-done).err)
		}
		readGreeting(t, sc)
		r := <-done
		if r.err != nil {
			t.Fatalf("server: %v", r.err)
		}
		if len(r.state.PeerCertificates) == 0 || r.state.PeerCertificates[0].Subject.CommonName != "alice" {
			t.Errorf("server did not see the client certificate: %v", r.state.PeerCertificates)
		}
	})

	u := newUpgrader(t, smtptls.Config{CAFile: caFile})
	t.Run("without certificate, TLS 1.2", func(t *testing.T) {
		conn, done := serveTLS(t, mtlsServer(stdtls.VersionTLS12))
		_, err := u.Client(background(), conn, "localhost")
		de := wantKind(t, err, domain.KindTLSHandshake)
		wantContains(t, de.Message, "client certificate")
		if r := <-done; r.err == nil {
			t.Error("server accepted a client without certificate")
		}
	})

	// In TLS 1.3 the client finishes its handshake before the server has
	// checked the client certificate: the refusal arrives on the first read,
	// as a crypto/tls "remote error", which the session reading the greeting
	// sees.
	t.Run("without certificate, TLS 1.3", func(t *testing.T) {
		conn, done := serveTLS(t, mtlsServer(stdtls.VersionTLS13))
		sc, err := u.Client(background(), conn, "localhost")
		if err != nil {
			wantKind(t, err, domain.KindTLSHandshake)
		} else {
			_, err = sc.Read(make([]byte, 1))
			wantContains(t, errString(err), "certificate required")
		}
		if r := <-done; r.err == nil {
			t.Error("server accepted a client without certificate")
		}
	})
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestClientPins(t *testing.T) {
	ca := newCA(t)
	caFile := writeCA(t, ca)
	signed := mustCert(t)(ca.ServerCert())
	self := mustCert(t)(tlstest.SelfSigned())
	caPin := tlstest.SPKIPin(ca.Certificate())
	tests := []struct {
		name     string
		cfg      smtptls.Config
		cert     *tlstest.Cert
		wantKind domain.Kind // KindUnknown: success
	}{
		{name: "self-signed, pinned leaf", cert: self,
			cfg: smtptls.Config{InsecureSkipVerify: true, PinnedSPKISHA256: []string{"sha256/" + self.SPKIPin()}}},
		{name: "self-signed, other pin", cert: self, wantKind: domain.KindCertificateUntrusted,
			cfg: smtptls.Config{InsecureSkipVerify: true, PinnedSPKISHA256: []string{signed.SPKIPin()}}},
		{name: "verified, pinned leaf among others", cert: signed,
			cfg: smtptls.Config{CAFile: caFile, PinnedSPKISHA256: []string{self.SPKIPin(), signed.SPKIPin()}}},
		{name: "verified, pinned CA", cert: signed,
			cfg: smtptls.Config{CAFile: caFile, PinnedSPKISHA256: []string{caPin}}},
		{name: "verified, pin mismatch", cert: signed, wantKind: domain.KindCertificateUntrusted,
			cfg: smtptls.Config{CAFile: caFile, PinnedSPKISHA256: []string{self.SPKIPin()}}},
		// Without verification the presented chain proves nothing: a CA pin
		// must not let an unverified leaf through.
		{name: "unverified, pinned CA only", cert: signed, wantKind: domain.KindCertificateUntrusted,
			cfg: smtptls.Config{InsecureSkipVerify: true, PinnedSPKISHA256: []string{caPin}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := newUpgrader(t, tt.cfg)
			conn, done := serveTLS(t, serverConfig(tt.cert))
			sc, err := u.Client(background(), conn, "localhost")
			if tt.wantKind != domain.KindUnknown {
				de := wantKind(t, err, tt.wantKind)
				wantContains(t, de.Message, "pinned")
				<-done
				return
			}
			if err != nil {
				t.Fatalf("Client: %v", err)
			}
			readGreeting(t, sc)
			if r := <-done; r.err != nil {
				t.Fatalf("server: %v", r.err)
			}
		})
	}
}

func TestClientPlaintextPeer(t *testing.T) {
	u := newUpgrader(t, smtptls.Config{InsecureSkipVerify: true})
	client, server := net.Pipe()
	defer server.Close()
	go func() { _, _ = io.Copy(io.Discard, server) }() // the ClientHello
	go func() { _, _ = server.Write([]byte("220 mail.example.test ESMTP Postfix\r\n")) }()
	_, err := u.Client(background(), client, "mail.example.test")
	de := wantKind(t, err, domain.KindTLSHandshake)
	wantContains(t, de.Message, "STARTTLS", `"220 m"`)
}

func TestClientCancel(t *testing.T) {
	u := newUpgrader(t, smtptls.Config{InsecureSkipVerify: true})
	client, server := net.Pipe()
	defer server.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Take the ClientHello, then stall until the client gives up.
		_, _ = server.Read(make([]byte, 1))
		cancel()
		_, _ = io.Copy(io.Discard, server)
	}()
	_, err := u.Client(ctx, client, "localhost")
	wantKind(t, err, domain.KindCancelled)
	if _, werr := client.Write([]byte("x")); werr == nil {
		t.Error("the connection is still open after a failed handshake")
	}
}

func TestClientContextAlreadyDone(t *testing.T) {
	u := newUpgrader(t, smtptls.Config{InsecureSkipVerify: true})
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Unix(1, 0))
	defer cancel2()
	tests := []struct {
		name string
		give context.Context
		want domain.Kind
	}{
		{name: "cancelled", give: cancelled, want: domain.KindCancelled},
		{name: "deadline passed", give: expired, want: domain.KindConnectTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, server := net.Pipe()
			defer server.Close()
			_, err := u.Client(tt.give, client, "localhost")
			wantKind(t, err, tt.want)
			if _, rerr := server.Read(make([]byte, 1)); !errors.Is(rerr, io.EOF) {
				t.Errorf("peer read = %v, want EOF: the client end was not closed", rerr)
			}
		})
	}
}

func TestClientConnDeadline(t *testing.T) {
	u := newUpgrader(t, smtptls.Config{InsecureSkipVerify: true})
	client, server := net.Pipe()
	defer server.Close()
	if err := client.SetDeadline(time.Unix(1, 0)); err != nil {
		t.Fatal(err)
	}
	_, err := u.Client(background(), client, "localhost")
	wantKind(t, err, domain.KindConnectTimeout)
}

func TestClientPeerHangsUp(t *testing.T) {
	u := newUpgrader(t, smtptls.Config{InsecureSkipVerify: true})
	client, server := net.Pipe()
	go func() {
		_, _ = server.Read(make([]byte, 1))
		server.Close()
	}()
	_, err := u.Client(background(), client, "localhost")
	de := wantKind(t, err, domain.KindTLSHandshake)
	wantContains(t, de.Error(), "handshake failed")
}

func TestClientBadInput(t *testing.T) {
	u := newUpgrader(t, smtptls.Config{})
	t.Run("nil conn", func(t *testing.T) {
		_, err := u.Client(background(), nil, "localhost")
		wantKind(t, err, domain.KindInvalidInput)
	})
	t.Run("no server name", func(t *testing.T) {
		client, server := net.Pipe()
		defer server.Close()
		_, err := u.Client(background(), client, " ")
		wantKind(t, err, domain.KindInvalidInput)
		if _, rerr := server.Read(make([]byte, 1)); !errors.Is(rerr, io.EOF) {
			t.Errorf("peer read = %v, want EOF", rerr)
		}
	})
	t.Run("nil upgrader", func(t *testing.T) {
		var nilU *smtptls.Upgrader
		client, server := net.Pipe()
		defer server.Close()
		_, err := nilU.Client(background(), client, "localhost")
		wantKind(t, err, domain.KindInvalidInput)
	})
}
