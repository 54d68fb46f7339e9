// Command healthcheck is the container health check of the local collector image. It mirrors the
// contract of ADOT's /healthcheck binary: an HTTP GET of http://127.0.0.1:<port>/ (the collector's
// health_check extension, default port 13133); exit 0 on 200, non-zero otherwise. It exists because
// the image has no curl/wget in an ECS health check and a static Go binary needs nothing else.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"
)

func main() {
	port := flag.String("port", "13133", "collector health_check port")
	flag.Parse()

	p, err := strconv.Atoi(*port)
	if err != nil || p < 1 || p > 65535 {
		fmt.Fprintf(os.Stderr, "invalid port %q\n", *port)
		os.Exit(2)
	}

	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/", p))
	if err != nil {
		fmt.Fprintf(os.Stderr, "unable to retrieve health status: %v\n", err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(os.Stderr, "STATUS: %d\n", resp.StatusCode)
		os.Exit(1)
	}
	fmt.Printf("STATUS: %d\n", resp.StatusCode)
}
