// Command healthcheck is the sample app image's container health check (Dockerfile HEALTHCHECK, the task
// definition's healthCheck): GET http://127.0.0.1:$PORT/health (PORT defaults to 8080), exit 0 on a 200
// within the timeout, 1 otherwise. It replaces a second JVM per probe (about 0.1 CPU-s and 42 MiB every
// 15 s) with a static binary of the kind ADOT ships as its own /healthcheck: a few ms of CPU and a few
// MiB. The image has no shell and no curl, so it has to be one self-contained executable.
//
// It speaks HTTP/1.1 over one TCP connection itself (net, not net/http; no fmt): net/http's client and TLS
// packages, and fmt's reflection, grow the binary and the probe's resident memory and start-up CPU for a
// request to loopback (measured with bench/rusage.c: 4.2 MiB and ~3.3 ms with fmt, see docs/app.md).
package main

import (
	"bufio"
	"errors"
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
		os.Stderr.WriteString("healthcheck: " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString("STATUS: " + strconv.Itoa(code) + "\n")
}

// probe returns the status code of GET /health on 127.0.0.1:port; an error unless it is 200.
func probe(portValue string, timeout time.Duration) (int, error) {
	port := 8080
	if s := strings.TrimSpace(portValue); s != "" {
		p, err := strconv.Atoi(s)
		if err != nil || p < 1 || p > 65535 {
			return 0, errors.New("invalid PORT " + strconv.Quote(portValue))
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
		return 0, errors.New("no status line from " + addr + ": " + err.Error())
	}
	// "HTTP/1.1 200 OK": the version, then a three-digit code.
	fields := strings.Fields(line)
	if len(fields) < 2 || !strings.HasPrefix(fields[0], "HTTP/1.") || len(fields[1]) != 3 {
		return 0, errors.New("not an HTTP/1.x status line from " + addr + ": " + strconv.Quote(strings.TrimSpace(line)))
	}
	code, err := strconv.Atoi(fields[1])
	if err != nil {
		return 0, errors.New("bad status code in " + strconv.Quote(strings.TrimSpace(line)))
	}
	if code != 200 {
		return code, errors.New("STATUS: " + strconv.Itoa(code) + " from http://" + addr + "/health")
	}
	return code, nil
}
