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

// serve starts a loopback server answering /health with status and returns its port.
func serve(t *testing.T, status int, delay time.Duration) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health" || r.Method != http.MethodGet {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		time.Sleep(delay)
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"status":"UP"}`))
	}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	return port
}

func TestHealthy200PassesOnlyForTheHealthPath(t *testing.T) {
	if code, err := probe(serve(t, 200, 0), time.Second); err != nil || code != 200 {
		t.Fatalf("want 200 and no error, got %d %v", code, err)
	}
}

func TestNon200Fails(t *testing.T) {
	for _, status := range []int{503, 500, 404, 204} {
		if code, err := probe(serve(t, status, 0), time.Second); err == nil || code != status {
			t.Fatalf("status %d: want an error and the code, got %d %v", status, code, err)
		}
	}
}

func TestSlowAnswerFailsAtTheTimeout(t *testing.T) {
	start := time.Now()
	if _, err := probe(serve(t, 200, 2*time.Second), 200*time.Millisecond); err == nil {
		t.Fatal("a 200 after the timeout must fail")
	}
	if time.Since(start) > 1500*time.Millisecond {
		t.Fatalf("probe did not give up at its timeout (%v)", time.Since(start))
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
