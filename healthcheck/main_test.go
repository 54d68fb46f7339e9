package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// serve starts a loopback server answering GET /health with status (every other path or method: 404)
// and returns its port.
func serve(t *testing.T, status int) string {
	t.Helper()
	return serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health" || r.Method != http.MethodGet {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"status":"UP"}`))
	}))
}

func serveHandler(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	return port
}

func TestHealthy200Passes(t *testing.T) {
	if code, err := probe(serve(t, 200), time.Second); err != nil || code != 200 {
		t.Fatalf("want 200 and no error, got %d %v", code, err)
	}
}

// The probe asks for GET /health and nothing else: a server that answers 200 on every other path but 503
// on /health fails the probe (a probe of "/" or a HEAD would pass it).
func TestProbeAsksForGetHealth(t *testing.T) {
	requests := make(chan string, 8)
	port := serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests <- r.Method + " " + r.URL.RequestURI()
		if r.Method == http.MethodGet && r.URL.RequestURI() == "/health" {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	code, err := probe(port, time.Second)
	if err == nil || code != 503 {
		t.Fatalf("want the 503 of GET /health, got %d %v", code, err)
	}
	if got := <-requests; got != "GET /health" || len(requests) != 0 {
		t.Fatalf("want exactly one GET /health, the server saw %q (+%d more)", got, len(requests))
	}
}

func TestNon200Fails(t *testing.T) {
	for _, status := range []int{503, 500, 404, 204} {
		if code, err := probe(serve(t, status), time.Second); err == nil || code != status {
			t.Fatalf("status %d: want an error and the code, got %d %v", status, code, err)
		}
	}
}

// A server that accepts and never answers: the probe fails with a timeout error (its deadline), not with
// an answer. The handler is released when the test ends, so cleanup does not wait for it.
func TestSlowAnswerFailsAtTheTimeout(t *testing.T) {
	release := make(chan struct{})
	port := serveHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(func() { close(release) }) // runs before the server's Close (cleanups run last-in first-out)
	code, err := probe(port, 200*time.Millisecond)
	if err == nil || code != 0 || !strings.Contains(err.Error(), "no status line") ||
		!strings.Contains(err.Error(), "i/o timeout") {
		t.Fatalf("want no status line, i/o timeout, got %d %v", code, err)
	}
}

func TestNothingListeningFails(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	if _, err := probe(port, time.Second); err == nil {
		t.Fatal("a closed port must fail")
	}
}

func TestBadPortIsAnError(t *testing.T) {
	for _, p := range []string{"x", "0", "70000"} {
		if _, err := probe(p, time.Second); err == nil || !strings.Contains(err.Error(), "invalid PORT") {
			t.Fatalf("PORT=%q: want invalid PORT, got %v", p, err)
		}
	}
}

func TestNotHTTPFails(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err == nil {
			_, _ = c.Write([]byte("SSH-2.0-x\r\n"))
			c.Close()
		}
	}()
	if _, err := probe(strconv.Itoa(l.Addr().(*net.TCPAddr).Port), time.Second); err == nil {
		t.Fatal("a non-HTTP answer must fail")
	}
}
