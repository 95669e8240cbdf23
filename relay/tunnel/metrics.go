package tunnel

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the tunnel's Prometheus series. They hold metadata only: counts, bytes,
// reasons and latencies, never a user name or a destination.
type metrics struct {
	open      prometheus.Gauge
	bytes     *prometheus.CounterVec
	up, down  prometheus.Counter
	refusals  *prometheus.CounterVec
	closes    *prometheus.CounterVec
	dial      prometheus.Histogram
	collector []prometheus.Collector
}

func newMetrics() *metrics {
	m := &metrics{
		open: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "caliopen_relay_tunnels_open", Help: "Tunnels currently open.",
		}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "caliopen_relay_tunnel_bytes_total", Help: "Bytes forwarded by tunnels; up is client to destination.",
		}, []string{"direction"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "caliopen_relay_tunnel_refusals_total", Help: "Tunnel opens refused, by reason.",
		}, []string{"reason"}),
		closes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "caliopen_relay_tunnel_closes_total", Help: "Established tunnels closed, by outcome.",
		}, []string{"outcome"}),
		dial: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "caliopen_relay_tunnel_dial_seconds", Help: "Time to resolve and connect to a destination.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12),
		}),
	}
	m.up = m.bytes.WithLabelValues("up")
	m.down = m.bytes.WithLabelValues("down")
	m.collector = []prometheus.Collector{m.open, m.bytes, m.refusals, m.closes, m.dial}
	return m
}

// Describe implements prometheus.Collector.
func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m.collector {
		c.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.collector {
		c.Collect(ch)
	}
}
