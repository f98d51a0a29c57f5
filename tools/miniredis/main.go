// Command miniredis serves an in-memory Redis (github.com/alicebob/miniredis/v2) on a loopback
// address: the cache Argo CD's application controller and repo-server need in the cluster tier.
// Argo CD uses it only as a cache (GET/SET with expiry, pub/sub is not needed), which miniredis
// implements; nothing is persisted.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/alicebob/miniredis/v2"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6379", "address to listen on")
	flag.Parse()
	m := miniredis.NewMiniRedis()
	if err := m.StartAddr(*addr); err != nil {
		fmt.Fprintf(os.Stderr, "miniredis: listening on %s: %v\n", *addr, err)
		os.Exit(1)
	}
	fmt.Printf("miniredis: listening on %s\n", m.Addr())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	m.Close()
}
