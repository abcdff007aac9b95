package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metricsListener serves /metrics on SWITCHBOARD_METRICS_ADDR, a port the
// operator keeps off the public network (the web address then has no
// /metrics at all).
type metricsListener struct {
	addr string
	l    net.Listener
	srv  *http.Server
}

// startMetrics opens the metrics listener when one is configured; the
// address it got is in a.MetricsAddr.
func (a *App) startMetrics() error {
	addr := a.Env.Config.MetricsAddr
	if addr == "" {
		return nil
	}
	var lc net.ListenConfig
	l, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on SWITCHBOARD_METRICS_ADDR %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.Handler())
	m := &metricsListener{addr: addr, l: l, srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}
	a.MetricsAddr = l.Addr().String()
	a.metrics = m
	go func() {
		if err := m.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Env.Log.Error("metrics server", "err", err)
		}
	}()
	return nil
}

func (m *metricsListener) stop(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return m.srv.Shutdown(ctx)
}
