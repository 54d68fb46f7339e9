// Command healthcheck is the sample app image's container health check (Dockerfile HEALTHCHECK, the task
// definition's healthCheck): GET http://127.0.0.1:$PORT/health (PORT defaults to 8080), exit 0 on a 200
// within the timeout, 1 otherwise. It replaces a second JVM per probe (about 0.1 CPU-s and 42 MiB every
// 15 s) with a static binary of the kind ADOT ships as its own /healthcheck: a few ms of CPU and a few
// MiB. The image has no shell and no curl, so it has to be one self-contained executable.
//
// It speaks HTTP/1.1 over one TCP connection itself (net, not net/http): net/http's client and TLS
// packages roughly double the binary and the probe's resident memory for a request to loopback.
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// timeout bounds the whole probe (connect, request, status line), like the JVM probe's 2 s; ECS and
// Docker kill a probe at the health check's own timeout anyway (10 s and 5 s here).
const timeout = 2 * time.Second

func main() {
	code, err := probe(os.Getenv("PORT"), timeout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "healthcheck:", err)
		os.Exit(1)
	}
	fmt.Println("STATUS:", code)
}

// probe returns the status code of GET /health on 127.0.0.1:port; an error unless it is 200.
func probe(portValue string, timeout time.Duration) (int, error) {
	port := 8080
	if s := strings.TrimSpace(portValue); s != "" {
		p, err := strconv.Atoi(s)
		if err != nil || p < 1 || p > 65535 {
			return 0, fmt.Errorf("invalid PORT %q", portValue)
		}
		port = p
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return 0, err
	}
	req := "GET /health HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: healthcheck\r\nConnection: close\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		return 0, err
	}
	line, err := bufio.NewReaderSize(conn, 512).ReadString('\n')
	if err != nil {
		return 0, fmt.Errorf("no status line from %s: %w", addr, err)
	}
	// "HTTP/1.1 200 OK": the version, then a three-digit code.
	fields := strings.Fields(line)
	if len(fields) < 2 || !strings.HasPrefix(fields[0], "HTTP/1.") || len(fields[1]) != 3 {
		return 0, fmt.Errorf("not an HTTP/1.x status line from %s: %q", addr, strings.TrimSpace(line))
	}
	code, err := strconv.Atoi(fields[1])
	if err != nil {
		return 0, fmt.Errorf("bad status code in %q", strings.TrimSpace(line))
	}
	if code != 200 {
		return code, fmt.Errorf("STATUS: %d from http://%s/health", code, addr)
	}
	return code, nil
}
