package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// startDebug serves Go's runtime profiles (/debug/pprof/…) on
// SWITCHBOARD_DEBUG_ADDR when it is set (config accepts loopback addresses
// only), so that a CPU profile of a running node can be taken under real
// load (`go tool pprof http://127.0.0.1:6060/debug/pprof/profile?seconds=10`)
// without building a special binary. The web address never serves them.
func (a *App) startDebug() error {
	addr := a.Env.Config.DebugAddr
	if addr == "" {
		return nil
	}
	l, err := new(net.ListenConfig).Listen(context.Background(), "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on SWITCHBOARD_DEBUG_ADDR %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// No WriteTimeout: a CPU profile answers after the seconds it was asked for.
	d := &metricsListener{addr: addr, l: l, srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}
	a.DebugAddr = l.Addr().String()
	a.debug = d
	a.Env.Log.Info("profiles served", "addr", a.DebugAddr)
	go func() {
		if err := d.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Env.Log.Error("debug server", "err", err)
		}
	}()
	return nil
}
