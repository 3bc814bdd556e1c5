//go:build integration

package integration

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// tcpConn is one IPv4 TCP socket of /proc/net/tcp.
type tcpConn struct {
	localPort, remotePort int
	established           bool
	inode                 string
}

// tcpConns parses /proc/net/tcp (the servers listen on 127.0.0.1 only).
func tcpConns() ([]tcpConn, error) {
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []tcpConn
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 {
			continue
		}
		out = append(out, tcpConn{
			localPort:   hexPort(fields[1]),
			remotePort:  hexPort(fields[2]),
			established: fields[3] == "01",
			inode:       fields[9],
		})
	}
	return out, sc.Err()
}

// hexPort reads the port of "0100007F:09DD".
func hexPort(addr string) int {
	_, p, _ := strings.Cut(addr, ":")
	n, _ := strconv.ParseInt(p, 16, 32)
	return int(n)
}

// socketInodes returns the inodes of the sockets process pid holds open
// ("self" for this one).
func socketInodes(pid string) map[string]bool {
	fds, _ := os.ReadDir(filepath.Join("/proc", pid, "fd"))
	out := map[string]bool{}
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join("/proc", pid, "fd", fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			out[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	return out
}

// serversOfOurConnections returns the PIDs of the processes named comm that
// hold the server end of this process's established connections to port:
// the smtpd processes serving our sessions, and no one else's.
func serversOfOurConnections(port int, comm string) ([]int, error) {
	conns, err := tcpConns()
	if err != nil {
		return nil, err
	}
	ours := socketInodes("self")
	clientPorts := map[int]bool{}
	for _, c := range conns {
		if c.established && c.remotePort == port && ours[c.inode] {
			clientPorts[c.localPort] = true
		}
	}
	serverInodes := map[string]bool{}
	for _, c := range conns {
		if c.established && c.localPort == port && clientPorts[c.remotePort] {
			serverInodes[c.inode] = true
		}
	}
	if len(serverInodes) == 0 {
		return nil, nil
	}
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		name, _ := os.ReadFile(filepath.Join("/proc", p.Name(), "comm"))
		if strings.TrimSpace(string(name)) != comm {
			continue
		}
		for inode := range socketInodes(p.Name()) {
			if serverInodes[inode] {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids, nil
}

// killAll sends SIGKILL to every pid.
func killAll(pids []int) error {
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && err != syscall.ESRCH {
			return fmt.Errorf("kill %d: %w", pid, err)
		}
	}
	return nil
}
