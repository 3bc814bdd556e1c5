package fault

import (
	"io"
	"net"
	"sync"
	"testing"
)

// proxy forwards TCP connections from a port of its own to a server, and
// can cut them all at once, as a crashed server or a dropped link does,
// and then refuse new ones for a while.
type proxy struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup

	mu       sync.Mutex
	pairs    map[net.Conn]net.Conn // every forwarded connection: client end -> server end
	refusing bool
	accepted int
	cut      int // connections cut by kill or refused
}

// startProxy forwards to target until the test ends.
func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, pairs: map[net.Conn]net.Conn{}}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

// hostPort is where clients connect.
func (p *proxy) hostPort() (string, int) {
	a := p.ln.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port
}

func (p *proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.accepted++
		refuse := p.refusing
		if refuse {
			p.cut++
		}
		p.mu.Unlock()
		if refuse {
			reset(c)
			continue
		}
		p.wg.Add(1)
		go p.forward(c)
	}
}

// forward copies both ways between c and a new connection to the target
// until either side ends or kill cuts them.
func (p *proxy) forward(c net.Conn) {
	defer p.wg.Done()
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		reset(c)
		return
	}
	if !p.track(c, s) {
		reset(c)
		reset(s)
		return
	}
	var both sync.WaitGroup
	both.Add(2)
	pipe := func(dst, src net.Conn) {
		defer both.Done()
		_, _ = io.Copy(dst, src)
		// One side ended: end the other the same way.
		_ = dst.Close()
		_ = src.Close()
	}
	go pipe(s, c)
	go pipe(c, s)
	both.Wait()
	p.mu.Lock()
	delete(p.pairs, c)
	p.mu.Unlock()
}

// track registers a forwarded pair; false when the proxy refuses now.
func (p *proxy) track(c, s net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.refusing {
		p.cut++
		return false
	}
	p.pairs[c] = s
	return true
}

// kill resets every forwarded connection, client and server side, and
// refuses (resets) new connections until resume. It returns how many
// connections it cut.
func (p *proxy) kill() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refusing = true
	for c, s := range p.pairs {
		reset(c)
		reset(s)
	}
	p.cut += len(p.pairs)
	return len(p.pairs)
}

// hangUp does to every forwarded connection what a server does to an idle
// one at its timeout: it writes reply to the client, closes the client end
// (FIN) and resets the server end. It returns how many it closed.
func (p *proxy) hangUp(reply string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c, s := range p.pairs {
		_, _ = c.Write([]byte(reply))
		_ = c.Close()
		reset(s)
	}
	return len(p.pairs)
}

// resume lets new connections through again.
func (p *proxy) resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refusing = false
}

// open returns how many connections the proxy forwards now.
func (p *proxy) open() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.pairs)
}

// stats returns how many connections the proxy accepted and how many it
// cut or refused.
func (p *proxy) stats() (accepted, cut int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted, p.cut
}

// close stops accepting, resets what is left and waits for every
// goroutine of the proxy.
func (p *proxy) close() {
	_ = p.ln.Close()
	p.kill()
	p.wg.Wait()
}

// reset closes c with an RST instead of a FIN, as a crashed peer's kernel
// does.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}
