// Package redistest runs a private redis-server for tests: on a free
// loopback port, without persistence, stopped when the test ends, and
// killable, pausable and restartable so that tests can take it away from
// a limiter in the middle of a run.
package redistest

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Binary returns the redis-server to run: $REDIS_SERVER_BIN (written by
// scripts/servers/start.sh), else redis-server on the PATH or in /usr/bin.
func Binary() (string, bool) {
	if b := os.Getenv("REDIS_SERVER_BIN"); b != "" {
		return b, true
	}
	if b, err := exec.LookPath("redis-server"); err == nil {
		return b, true
	}
	if _, err := os.Stat("/usr/bin/redis-server"); err == nil {
		return "/usr/bin/redis-server", true
	}
	return "", false
}

// Server is a running private redis-server.
type Server struct {
	t        testing.TB
	bin      string
	port     int
	password string
	cmd      *exec.Cmd
	done     chan struct{}
}

// Start runs a redis-server (requiring password unless it is empty) and
// waits until it answers PING; it is killed when t ends. It calls t.Fatal
// when there is no redis-server or it does not start.
func Start(t testing.TB, password string) *Server {
	t.Helper()
	bin, ok := Binary()
	if !ok {
		t.Fatal("redistest: no redis-server (install it: scripts/servers/install.sh, or apt-get install redis-server)")
	}
	s := &Server{t: t, bin: bin, password: password}
	var err error
	for range 5 { // another process may take the free port first
		if s.port, err = freePort(); err == nil {
			if err = s.run(); err == nil {
				break
			}
		}
	}
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	t.Cleanup(s.Kill)
	return s
}

// Addr returns "127.0.0.1:PORT".
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// URL returns the server's redis:// URL, with the password if any.
func (s *Server) URL() string {
	if s.password != "" {
		return "redis://:" + s.password + "@" + s.Addr() + "/0"
	}
	return "redis://" + s.Addr() + "/0"
}

// Kill stops the server at once (SIGKILL, after SIGCONT in case it was
// paused) and waits for it. It does nothing when the server is not running.
func (s *Server) Kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGCONT)
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// Pause stops the server's process (SIGSTOP): connections stay open and
// requests go unanswered, as with a server that hangs.
func (s *Server) Pause() { s.signal(syscall.SIGSTOP) }

// Resume continues a paused server (SIGCONT).
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

// Restart starts the server again on the same port after Kill (with no
// data: it never persists any).
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	var err error
	for range 50 { // the port may linger for a moment
		if err = s.run(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("redistest: restart: %v", err)
}

func (s *Server) signal(sig syscall.Signal) {
	if s.cmd != nil {
		_ = s.cmd.Process.Signal(sig)
	}
}

// run starts redis-server on s.port and waits up to 10 s for PONG.
func (s *Server) run() error {
	args := []string{"--bind", "127.0.0.1", "--port", strconv.Itoa(s.port), "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--protected-mode", "yes", "--loglevel", "warning", "--dir", os.TempDir()}
	if s.password != "" {
		args = append(args, "--requirepass", s.password)
	}
	cmd := exec.Command(s.bin, args...)
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return &exitError{port: s.port}
		default:
		}
		if s.ping() {
			s.cmd, s.done = cmd, done
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	<-done
	return &exitError{port: s.port, slow: true}
}

// ping reports whether the server answers PING (after AUTH).
func (s *Server) ping() bool {
	c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	r := bufio.NewReader(c)
	if s.password != "" {
		if _, err := c.Write([]byte("AUTH " + s.password + "\r\n")); err != nil {
			return false
		}
		if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "+OK") {
			return false
		}
	}
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := r.ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}

type exitError struct {
	port int
	slow bool
}

func (e *exitError) Error() string {
	if e.slow {
		return "redis-server on port " + strconv.Itoa(e.port) + " did not answer within 10s"
	}
	return "redis-server on port " + strconv.Itoa(e.port) + " exited at start"
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
